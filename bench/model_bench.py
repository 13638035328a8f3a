"""Model-only costs on this machine: preprocessing, forward pass, saliency map, batching,
and the original FastAPI demo's design (rebuilding the model on every request)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from bench.images import full_size_xray_jpeg
from bench.load import tf_threads_per_worker
from mlcore.artifact.files import load_model
from mlcore.decode.pictures import reduced_copy, reencoded
from mlcore.decode.upload import decode_upload, model_picture
from mlcore.model.inference import Predictor, get_predictor
from mlcore.model.saliency import grayscale_map, overlay_image

DISPLAY_SIZE = 2048  # the web app's default PNEUMO_DISPLAY_SIZE
MODEL_ONLY = "model only, whole upload: decode + resize + forward ms"


def median_ms(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def model_input(predictor: Predictor, data: bytes) -> np.ndarray:
    """What the model alone needs of an upload: decoded at model size (as training and
    evaluation decode), then prepared."""
    return predictor.prepare(model_picture(data, predictor.card.input_size))


def worker_like_predictor(model_dir: Path) -> Predictor:
    """The process's predictor, with as many TensorFlow threads as a web worker of the
    default deployment has."""
    return get_predictor(model_dir, threads=tf_threads_per_worker())


def model_only_upload(predictor: Predictor, data: bytes) -> Callable[[], object]:
    """What the model alone does with an upload: decode at model size, resize, forward."""
    return lambda: predictor.predict_arrays([model_input(predictor, data)])


def run(model_dir: Path, repeats: int = 20) -> dict[str, float]:
    predictor = worker_like_predictor(model_dir)
    data = full_size_xray_jpeg()
    started = time.perf_counter()
    predictor.ensure_loaded()
    figures = {"model load s": time.perf_counter() - started}
    one = model_input(predictor, data)
    predictor.predict_arrays([one])  # warm-up
    model_size = predictor.card.input_size
    size = max(DISPLAY_SIZE // 2, model_size)  # as the web app decodes uploads
    figures["upload size KB"] = len(data) / 1024
    figures["decode full JPEG ms"] = median_ms(lambda: decode_upload(data), repeats)
    figures["decode JPEG, draft mode at model size (model only) ms"] = median_ms(
        lambda: decode_upload(data, draft_size=model_size), repeats
    )
    figures["decode JPEG, draft mode at display size + the model's picture (uploads) ms"] = (
        median_ms(lambda: decode_upload(data, draft_size=size, model_size=model_size), repeats)
    )
    figures["preprocess ms (decode+resize)"] = median_ms(
        lambda: model_input(predictor, data), repeats
    )
    figures["forward pass, 1 image ms"] = median_ms(
        lambda: predictor.predict_arrays([one]), repeats
    )
    figures[MODEL_ONLY] = median_ms(model_only_upload(predictor, data), repeats)
    batch = [one] * 32
    per_batch = median_ms(lambda: predictor.predict_arrays(batch), max(3, repeats // 4))
    figures["forward pass, per image in batch of 32 ms"] = per_batch / 32
    figures["images/s in batches of 32"] = 32_000 / per_batch
    sixteen = [one] * 16
    figures["16 images as one batch ms"] = median_ms(lambda: predictor.predict_arrays(sixteen), 5)
    figures["16 images one by one ms"] = median_ms(
        lambda: [predictor.predict_arrays([a]) for a in sixteen], 5
    )
    figures["saliency map (occlusion, one batch) ms"] = median_ms(
        lambda: predictor.saliency(one, towards_pneumonia=True), repeats
    )
    display = reduced_copy(decode_upload(data, draft_size=size).image, DISPLAY_SIZE)
    figures["encode stored copies (display + thumbnail JPEG) ms"] = median_ms(
        lambda: (reencoded(display, "JPEG"), reencoded(reduced_copy(display, 160), "JPEG")),
        repeats,
    )
    values = predictor.saliency(predictor.prepare(display), towards_pneumonia=True).values
    figures[f"overlay + raw map PNGs at {max(display.size)} px ms"] = median_ms(
        lambda: (
            reencoded(overlay_image(display, values), "PNG"),
            reencoded(grayscale_map(values, display.size), "PNG"),
        ),
        repeats,
    )
    model = predictor._model
    figures["keras predict() of 1 image ms"] = median_ms(
        lambda: model.predict(one[np.newaxis], verbose=0), 10
    )

    def original_design() -> None:
        """What the FastAPI demo did per request: build the model from disk, predict()."""
        rebuilt = load_model(model_dir)
        rebuilt.predict(model_input(predictor, data)[np.newaxis], verbose=0)

    figures["original design per request: load model + predict() ms"] = median_ms(
        original_design, 5
    )
    figures.update(dicom_decode_costs(repeats))
    return figures


def dicom_decode_costs(repeats: int) -> dict[str, float]:
    """What decoding a DICOM upload in a limited child process (mlcore.decode.sandbox) costs over
    decoding it in the worker itself."""
    from mlcore.decode.dicom import render_dicom
    from mlcore.decode.upload import DEFAULT_LIMITS
    from mlcore.tests.dicom_files import chest_pixels, dicom_bytes

    data = dicom_bytes(chest_pixels(size=1024))
    size = DISPLAY_SIZE // 2
    decode_upload(data, draft_size=size)  # starts the child processes' server
    return {
        "decode 1024 px DICOM in a limited child (as uploads) ms": median_ms(
            lambda: decode_upload(data, draft_size=size), repeats
        ),
        "decode 1024 px DICOM in-process (unlimited) ms": median_ms(
            lambda: render_dicom(data, DEFAULT_LIMITS.dicom_options(size)), repeats
        ),
    }
