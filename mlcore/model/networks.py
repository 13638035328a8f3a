"""The network: grayscale (size, size, 1) in 0..1 -> one logit for "pneumonia".

Everything a backbone needs (channel replication, its own input scaling) happens inside
the model, so the app feeds every model the same array. The feature map used for
Grad-CAM is the output of the layer named :data:`LAST_CONV_LAYER`.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from mlcore.artifact.card import LAST_CONV_LAYER, LOGIT_LAYER
from mlcore.errors import ModelBuildError

logger = logging.getLogger(__name__)

POOL_LAYER = "pool"
CNN_FILTERS = (32, 64, 128, 256)
BACKBONE_BN_MOMENTUM = 0.9


@dataclass(frozen=True)
class Backbone:
    """A keras.applications constructor and the input scaling it expects.

    ``mean``/``std`` map our 0..1 input to the backbone's range: ``(x - mean) / std``.
    """

    constructor: str
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    kwargs: tuple[tuple[str, float], ...] = ()


_MINUS_ONE_TO_ONE = ((0.5,) * 3, (0.5,) * 3)
_ZERO_TO_255 = ((0.0,) * 3, (1 / 255,) * 3)
_CAFFE = ((103.939 / 255, 116.779 / 255, 123.68 / 255), (1 / 255,) * 3)
_TORCH = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))

APPLICATIONS: dict[str, Backbone] = {
    "mobilenet_v2": Backbone("MobileNetV2", *_MINUS_ONE_TO_ONE, (("alpha", 0.35),)),
    "mobilenet": Backbone("MobileNet", *_MINUS_ONE_TO_ONE, (("alpha", 0.25),)),
    "efficientnet_b0": Backbone("EfficientNetB0", *_ZERO_TO_255),
    "resnet50": Backbone("ResNet50", *_CAFFE),
    "densenet121": Backbone("DenseNet121", *_TORCH),
}
BACKBONES = ("cnn", *APPLICATIONS)


def build_model(
    backbone: str = "cnn",
    input_size: int = 128,
    weights: str | Path | None = None,
    *,
    dropout: float = 0.3,
    crop: float = 1.0,
):
    """Build the classifier.

    ``weights``: ``"imagenet"`` (Keras downloads them), a path to a Keras weights file for
    the backbone (no top), or ``None`` (random initialisation). MobileNet widths match the
    files in ``../shared/weights``.
    ``crop`` < 1 keeps only the central fraction of the image: the borders (framing,
    collimation, background) differ between hospitals and are a shortcut to avoid.
    """
    import keras
    from keras import layers

    if backbone not in BACKBONES:
        raise ModelBuildError(
            f"Unknown backbone {backbone!r}; choose one of {', '.join(BACKBONES)}."
        )
    if weights is not None and weights != "imagenet" and not Path(weights).is_file():
        raise ModelBuildError(f"Weights file {weights} does not exist.")
    if not 0.2 <= crop <= 1.0:
        raise ModelBuildError(f"crop must be between 0.2 and 1, not {crop}.")
    inputs = keras.Input((input_size, input_size, 1), name="image")
    x = inputs
    if crop < 1.0:
        side = round(input_size * crop)
        x = layers.CenterCrop(side, side, name="center_crop")(x)
    if backbone == "cnn":
        features = _cnn_features(x)
    else:
        features = _application_features(x, APPLICATIONS[backbone], weights)
    features = layers.Activation("linear", name=LAST_CONV_LAYER)(features)
    x = layers.GlobalAveragePooling2D(name=POOL_LAYER)(features)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(1, name=LOGIT_LAYER)(x)
    model = keras.Model(inputs, outputs, name=f"pneumonia_{backbone}")
    if backbone == "cnn" and weights not in (None, "imagenet"):
        model.load_weights(weights)
    elif backbone == "cnn" and weights == "imagenet":
        raise ModelBuildError("The from-scratch 'cnn' backbone has no ImageNet weights.")
    return model


def _cnn_features(inputs):
    """Our own network: four blocks of two 3x3 conv + BN + ReLU, then max-pooling.

    The first convolution has stride 2: on 2 CPU cores full-resolution 32-filter
    convolutions cost several times the time for no measured gain (BENCHMARKS.md,
    "Model and inference").
    """
    from keras import layers

    x = inputs
    for block, filters in enumerate(CNN_FILTERS, start=1):
        for conv in (1, 2):
            stride = 2 if block == conv == 1 else 1
            x = layers.Conv2D(
                filters, 3, strides=stride, padding="same", use_bias=False,
                name=f"block{block}_conv{conv}",
            )(x)  # fmt: skip
            x = layers.BatchNormalization(name=f"block{block}_bn{conv}")(x)
            x = layers.ReLU(name=f"block{block}_relu{conv}")(x)
        if block < len(CNN_FILTERS):
            x = layers.MaxPooling2D(name=f"block{block}_pool")(x)
    return x


def _application_features(inputs, spec: Backbone, weights):
    """Replicate gray to RGB, rescale as the backbone expects, run it (no top)."""
    import keras
    from keras import layers

    size = inputs.shape[1]
    rgb = layers.Concatenate(name="gray_to_rgb")([inputs, inputs, inputs])
    scaled = layers.Normalization(
        mean=list(spec.mean), variance=[s * s for s in spec.std], name="backbone_scaling"
    )(rgb)
    kwargs = dict(spec.kwargs)
    constructor = getattr(keras.applications, spec.constructor)
    try:
        network = constructor(
            include_top=False,
            weights=str(weights) if weights is not None else None,
            input_shape=(size, size, 3),
            **kwargs,
        )
    except (ValueError, OSError) as exc:
        raise ModelBuildError(
            f"Cannot build {spec.constructor} with weights {weights}: {exc}"
        ) from None
    except Exception as exc:  # Keras reports a failed download as a bare Exception
        if weights != "imagenet":
            raise
        raise ModelBuildError(
            f"Cannot download the ImageNet weights of {spec.constructor} ({exc}). Without "
            "network, pass --weights with a Keras weights file (no top), or --weights none."
        ) from None
    network.name = "backbone"
    for layer in network.layers:
        if isinstance(layer, layers.BatchNormalization):
            # keras.applications use 0.999: the moving statistics would still be mostly
            # ImageNet's after a few CPU epochs, and validation would lag far behind training.
            layer.momentum = BACKBONE_BN_MOMENTUM
    return network(scaled)


def ensemble(members: list, scales: list[float]):
    """One model averaging the members' logits, each divided by its ``scale``.

    The members' layers are reused on one shared input (a flat graph, so Grad-CAM can reach
    member ``i``'s feature map as ``m{i}_last_conv``); the average is a frozen ``Dense(1)``
    named :data:`LOGIT_LAYER`, whose bias calibration may shift.
    """
    import keras
    import numpy as np
    from keras import layers

    inputs = keras.Input(members[0].input_shape[1:], name="image")
    logits = []
    for index, member in enumerate(members):
        x = inputs
        for layer in member.layers[1:]:  # build_model's graphs are chains (+ gray_to_rgb)
            layer.name = f"m{index}_{layer.name}"
            x = layer([x, x, x]) if isinstance(layer, layers.Concatenate) else layer(x)
        logits.append(x)
    average = layers.Dense(1, name=LOGIT_LAYER, trainable=False)
    outputs = average(layers.Concatenate(name="member_logits")(logits))
    model = keras.Model(inputs, outputs, name="pneumonia_ensemble")
    kernel = np.array([[1.0 / (len(members) * scale)] for scale in scales], dtype="float32")
    average.set_weights([kernel, np.zeros(1, dtype="float32")])
    return model


def pooled_features(model, name: str = "ood_features"):
    """The model's pooled features (a tensor of its graph): the outputs of the layers named
    ``pool`` (one model) or ``m<i>_pool`` (the members of an ensemble, concatenated by a new
    layer called ``name``); failing those, the logit layer's input."""
    import keras

    pools = [
        layer.output
        for layer in model.layers
        if layer.name == POOL_LAYER or re.fullmatch(rf"m\d+_{POOL_LAYER}", layer.name)
    ]
    if not pools:
        return model.get_layer(LOGIT_LAYER).input
    return pools[0] if len(pools) == 1 else keras.layers.Concatenate(name=name)(pools)


def features_and_logits_model(model):
    """The classifier with a second output: its pooled features (:func:`pooled_features`)."""
    import keras

    return keras.Model(model.input, [pooled_features(model), model.output])


def with_linear_head(model, weights, bias: float):
    """The model's body with a new last layer: ``Dense(1)`` named :data:`LOGIT_LAYER` on its
    pooled features, with the given weights (a site's head). The pooled and convolutional
    layers keep their names: the out-of-distribution gate and Grad-CAM read them as before.
    """
    import keras
    import numpy as np

    features = pooled_features(model, name="head_features")
    dense = keras.layers.Dense(1, name=LOGIT_LAYER)
    adapted = keras.Model(model.input, dense(features), name=f"{model.name}_site")
    kernel = np.asarray(weights, dtype="float32").reshape(-1, 1)
    dense.set_weights([kernel, np.array([bias], dtype="float32")])
    return adapted
