"""Generated chest-X-ray-like images and a tiny trained model artifact, for tests.

No dataset file is ever needed: the pictures are drawn, and the model is trained on them
in a few seconds. It follows the layer naming of mlcore.model.networks (a "last_conv" feature map, a
"logit" output), so Grad-CAM and the out-of-distribution gate work on it as on a real one.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from mlcore.artifact.card import LAST_CONV_LAYER, LOGIT_LAYER, Band, ModelCard, Provenance
from mlcore.artifact.files import model_path, write_card
from mlcore.data.synthetic import not_xray_images, xray_array
from mlcore.decode.pictures import to_model_input
from mlcore.model.gate import fit_for_artifact

__all__ = [  # the generators are re-exported: tests import everything from here
    "TINY_BAND",
    "TINY_SIZE",
    "TINY_VERSION",
    "build_tiny_artifact",
    "image_bytes",
    "labelled_xray_folder",
    "not_xray_images",
    "xray_array",
    "xray_inputs",
    "xray_jpeg",
    "xray_png",
]


def image_bytes(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def xray_png(size: int = 96, *, opaque: bool = False, seed: int = 0) -> bytes:
    return image_bytes(Image.fromarray(xray_array(size, opaque=opaque, seed=seed), mode="L"))


def xray_jpeg(size: int = 96, *, opaque: bool = False, seed: int = 0) -> bytes:
    image = Image.fromarray(xray_array(size, opaque=opaque, seed=seed), mode="L").convert("RGB")
    return image_bytes(image, "JPEG", quality=90)


TINY_SIZE = 32
TINY_VERSION = "tiny-test-1"
TINY_BAND = (0.4, 0.6)
TINY_METRICS = {
    "n": 4,
    "accuracy": 1.0,
    "sensitivity": 1.0,
    "specificity": 1.0,
    "precision": 1.0,
    "f1": 1.0,
    "roc_auc": 1.0,
    "confusion_matrix": [[2, 0], [0, 2]],
}


def xray_inputs(count: int, first_seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Generated X-rays, alternately clear (normal) and hazy (pneumonia-like)."""
    images, labels = [], []
    for seed in range(first_seed, first_seed + count):
        opaque = seed % 2 == 1
        size = (64, 96)[seed // 2 % 2]  # both sizes the tests upload
        picture = Image.fromarray(xray_array(size, opaque=opaque, seed=seed), mode="L")
        images.append(to_model_input(picture, TINY_SIZE))
        labels.append(float(opaque))
    return np.stack(images), np.array(labels)


def build_tiny_artifact(model_dir: Path) -> Path:
    """Train a small CNN to tell hazy lungs from clear ones; fit its not-an-X-ray gate."""
    import keras

    keras.utils.set_random_seed(7)
    images, labels = xray_inputs(128)
    inputs = keras.Input((TINY_SIZE, TINY_SIZE, 1))
    x = keras.layers.Conv2D(8, 3, activation="relu", padding="same")(inputs)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(16, 3, activation="relu", padding="same")(x)
    x = keras.layers.Activation("linear", name=LAST_CONV_LAYER)(x)
    # Mean and max pooling: a richer feature vector for the out-of-distribution gate.
    x = keras.layers.Concatenate(name="pool")(
        [keras.layers.GlobalAveragePooling2D()(x), keras.layers.GlobalMaxPooling2D()(x)]
    )
    outputs = keras.layers.Dense(1, name=LOGIT_LAYER)(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(0.02),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    model.fit(images, labels, epochs=30, batch_size=16, verbose=0)
    model_dir.mkdir(parents=True, exist_ok=True)
    model.save(model_path(model_dir))
    write_card(
        model_dir,
        ModelCard(
            version=TINY_VERSION,
            input_size=TINY_SIZE,
            threshold=0.5,
            threshold_rule="fixed at 0.5 for tests",
            band=Band(TINY_BAND[0], TINY_BAND[1], "fixed around 0.5 for tests"),
            provenance=Provenance(backbone="tiny-test", parameters=model.count_params()),
            metrics={"val": TINY_METRICS},
        ),
    )
    # The cut-offs at the largest validation distance: generated X-rays vary less than real ones.
    fit_for_artifact(
        model_dir,
        images,
        xray_inputs(64, first_seed=1000)[0],
        percentile=100.0,
        layout_percentile=100.0,
        model=model,
    )
    return model_dir


def labelled_xray_folder(root: Path, normal: int, pneumonia: int) -> Path:
    """A labelled folder of generated X-rays: clear lungs in NORMAL/, hazy ones in PNEUMONIA/."""
    for name, count, opaque in (("NORMAL", normal, False), ("PNEUMONIA", pneumonia, True)):
        (root / name).mkdir(parents=True)
        for index in range(count):
            picture = xray_array(96, opaque=opaque, seed=500 + 2 * index + opaque)
            Image.fromarray(picture, mode="L").save(root / name / f"site-{index}.png")
    return root
