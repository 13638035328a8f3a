"""Grad-CAM: which regions of the X-ray pushed the model towards its answer.

Selvaraju et al. 2017: the gradient of the logit with respect to the last convolutional
feature map, averaged per channel, weights that map's channels; the ReLU of the sum,
upsampled to the image, is the heatmap.

The app's heatmap is no longer this (mlcore.model.saliency: on the shipped networks' 3x3 feature
maps Grad-CAM draws the same blob on every image); ``python -m bench.saliency`` keeps it
as the baseline its figures are compared with.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image


def gradcam_model(model, layer_names: str | Sequence[str]):
    """A compiled function: (batch of one image, sign) -> one raw map per named layer.

    Several layers: the members of an ensemble, whose averaged logits make the model's
    logit; each member's map explains its share, and their sum explains the whole.
    Compiled once per model: eager execution of a large network costs far more Python.
    """
    import keras
    import tensorflow as tf

    names = [layer_names] if isinstance(layer_names, str) else list(layer_names)
    outputs = [model.get_layer(name).output for name in names]
    both = keras.Model(model.input, [outputs, model.output])
    size = model.input.shape[1]

    @tf.function(
        input_signature=[
            tf.TensorSpec([1, size, size, 1], tf.float32),
            tf.TensorSpec([], tf.float32),
        ]
    )
    def raw_maps(batch, sign):
        with tf.GradientTape() as tape:
            feature_maps, logit = both(batch, training=False)
            target = sign * logit[:, 0]
        gradients = tape.gradient(target, feature_maps)
        return [
            tf.reduce_sum(feature_map * tf.reduce_mean(grads, axis=(1, 2), keepdims=True), -1)[0]
            for feature_map, grads in zip(feature_maps, gradients, strict=True)
        ]

    return raw_maps


def _resized(raw: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear upsampling of a float map to (width, height)."""
    image = Image.fromarray(np.asarray(raw, dtype=np.float32), mode="F")
    return np.asarray(image.resize(size, Image.Resampling.BILINEAR), dtype=np.float32)


def class_activation_map(
    grad_model, array: np.ndarray, *, towards_pneumonia: bool, center_crop: float = 1.0
) -> np.ndarray:
    """A (H, W) map in 0..1 for one preprocessed image of shape (H, W, 1).

    The maps of several layers (of different resolutions) are upsampled, then summed
    before the ReLU. ``center_crop`` < 1: the model looks only at that central fraction of
    the image, so the map covers that region and the border gets zero.
    """
    batch = np.asarray(array, dtype=np.float32)[np.newaxis]
    raws = grad_model(batch, np.float32(1.0 if towards_pneumonia else -1.0))
    height, width = array.shape[:2]
    inner_h, inner_w = round(height * center_crop), round(width * center_crop)
    cam = np.maximum(sum(_resized(raw, (inner_w, inner_h)) for raw in raws), 0.0)
    if cam.max() > 0:
        cam = cam / cam.max()
    full = np.zeros((height, width), dtype=np.float32)
    top, left = (height - inner_h) // 2, (width - inner_w) // 2
    full[top : top + inner_h, left : left + inner_w] = cam
    return full
