"""A tiny Keras model trained in seconds on generated images, saved as a real artifact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from diagnosis.tests.images import xray_array
from mlcore.card import ModelCard, model_path, write_card
from mlcore.imaging import to_model_input

TINY_SIZE = 32
TINY_VERSION = "tiny-test-1"


def build_tiny_artifact(model_dir: Path) -> Path:
    """Train a 2-layer CNN to tell hazy (pneumonia-like) lungs from clear ones."""
    import keras

    keras.utils.set_random_seed(7)
    images, labels = [], []
    for seed in range(48):
        opaque = seed % 2 == 1
        picture = Image.fromarray(xray_array(64, opaque=opaque, seed=seed), mode="L")
        images.append(to_model_input(picture, TINY_SIZE))
        labels.append(float(opaque))
    inputs = keras.Input((TINY_SIZE, TINY_SIZE, 1))
    x = keras.layers.Conv2D(4, 3, activation="relu", name="last_conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(1, name="logit")(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(0.05),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
    )
    model.fit(np.stack(images), np.array(labels), epochs=30, batch_size=16, verbose=0)
    model_dir.mkdir(parents=True, exist_ok=True)
    model.save(model_path(model_dir))
    write_card(
        model_dir,
        ModelCard(
            version=TINY_VERSION,
            input_size=TINY_SIZE,
            threshold=0.5,
            backbone="tiny-test",
            parameters=model.count_params(),
            extra={"last_conv_layer": "last_conv"},
        ),
    )
    return model_dir
