"""Whether uploads reach the model as training decodes them (BENCHMARKS.md).

`python -m bench.decode_parity --data-dir ../shared/datasets/chest_xray`: every image of
``test/`` decoded as training and `evaluate_model` decode it (JPEG draft mode at the
model's size) and as the web app does (one decode at display size, the model's picture
made from it; and, for comparison, the display-size decode simply resized, as the app did
before), first as the files are (224 px), then upscaled to full-size radiograph JPEGs
(1400-2600 px, quality 90). For each way: the shipped model's ROC AUC and accuracy at its
threshold; against the training decode, the largest pixel and probability differences and
how many verdicts differ.
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from bench.model_bench import DISPLAY_SIZE
from mlcore.artifact.files import SHIPPED_MODEL_DIR
from mlcore.data.dataset import labelled_files
from mlcore.decode.upload import decode_upload, model_picture
from mlcore.model.inference import Predictor, get_predictor
from mlcore.stats.metrics import roc_auc

Way = Callable[[bytes, int], Image.Image]  # file bytes, model size -> the model's picture
WAYS: dict[str, Way] = {
    "training decode": model_picture,
    "app: one decode, the model's picture from it": lambda data, size: (
        decode_upload(data, draft_size=max(DISPLAY_SIZE // 2, size), model_size=size).model_image
    ),
    "app before: the display decode resized": lambda data, size: (
        decode_upload(data, draft_size=max(DISPLAY_SIZE // 2, size)).image
    ),
}


def upscaled(data: bytes, rng: np.random.Generator) -> bytes:
    """The file as a full-size radiograph JPEG would be: 1400-2600 px, quality 90."""
    side = int(rng.integers(1400, 2600))
    size = (side, int(side * rng.uniform(0.8, 1.2)))
    image = Image.open(io.BytesIO(data)).convert("L").resize(size, Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def probabilities(predictor: Predictor, pictures: list[Image.Image]) -> np.ndarray:
    arrays = [predictor.prepare(picture) for picture in pictures]
    return np.array(
        [
            p.pneumonia_probability
            for start in range(0, len(arrays), 32)
            for p in predictor.predict_arrays(arrays[start : start + 32])
        ]
    )


def compare(predictor: Predictor, files: list[bytes], labels: np.ndarray, title: str) -> None:
    size, threshold = predictor.card.input_size, predictor.card.threshold
    pictures = {name: [way(data, size) for data in files] for name, way in WAYS.items()}
    reference = pictures["training decode"]
    trained = probabilities(predictor, reference)
    print(f"\n### {title} ({len(files)} images)\n")
    print("| decode | ROC AUC | accuracy | max pixel diff | max prob. diff | verdicts differ |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, made in pictures.items():
        probs = probabilities(predictor, made)
        pairs = list(zip(made, reference, strict=True))
        pixels = (
            max(int(np.abs(np.asarray(a, int) - np.asarray(b, int)).max()) for a, b in pairs)
            if all(a.size == b.size for a, b in pairs)
            else "other sizes"
        )
        verdicts = int(np.sum((probs >= threshold) != (trained >= threshold)))
        accuracy = np.mean((probs >= threshold) == labels)
        print(
            f"| {name} | {roc_auc(labels, probs):.4f} | {accuracy:.4f} | {pixels}"
            f" | {np.abs(probs - trained).max():.4f} | {verdicts} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=SHIPPED_MODEL_DIR)
    args = parser.parse_args(argv)
    samples = labelled_files(args.data_dir / "test")
    if not samples:
        raise SystemExit(f"No labelled images under {args.data_dir / 'test'}.")
    predictor = get_predictor(args.model)
    files = [sample.path.read_bytes() for sample in samples]
    labels = np.array([sample.label for sample in samples])
    compare(predictor, files, labels, "as the files are")
    rng = np.random.default_rng(0)
    compare(predictor, [upscaled(data, rng) for data in files], labels, "upscaled to 1400-2600 px")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
