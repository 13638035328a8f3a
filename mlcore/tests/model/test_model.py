"""Backbones build with the app's input contract, with and without a weights file."""

from __future__ import annotations

import numpy as np
import pytest

from mlcore.model.networks import LAST_CONV_LAYER, ModelBuildError, build_model


def _check_contract(model, size: int) -> None:
    assert tuple(model.input_shape) == (None, size, size, 1)
    assert tuple(model.output_shape) == (None, 1)
    assert len(model.get_layer(LAST_CONV_LAYER).output.shape) == 4
    logits = np.asarray(model(np.random.rand(2, size, size, 1).astype("float32")))
    assert logits.shape == (2, 1) and np.isfinite(logits).all()


def test_cnn_builds_and_loads_its_own_weights_file(tmp_path):
    first = build_model("cnn", 32)
    _check_contract(first, 32)
    path = tmp_path / "cnn.weights.h5"
    first.save_weights(path)
    second = build_model("cnn", 32, weights=path)
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("backbone", "constructor"), [("mobilenet_v2", "MobileNetV2"),
                                                       ("mobilenet", "MobileNet")])  # fmt: skip
def test_application_backbone_loads_a_backbone_weights_file(tmp_path, backbone, constructor):
    import keras

    alpha = 0.35 if backbone == "mobilenet_v2" else 0.25
    reference = getattr(keras.applications, constructor)(
        alpha=alpha, include_top=False, weights=None, input_shape=(32, 32, 3)
    )
    path = tmp_path / "backbone.weights.h5"
    reference.save_weights(path)
    model = build_model(backbone, 32, weights=path)
    _check_contract(model, 32)
    loaded = model.get_layer("backbone").get_weights()
    for a, b in zip(reference.get_weights(), loaded, strict=True):
        np.testing.assert_array_equal(a, b)


def test_application_backbone_without_weights():
    _check_contract(build_model("mobilenet_v2", 32, weights=None), 32)


def test_bad_backbone_or_weights_raise_a_clear_error(tmp_path):
    with pytest.raises(ModelBuildError, match="Unknown backbone"):
        build_model("alexnet", 32)
    with pytest.raises(ModelBuildError, match="does not exist"):
        build_model("mobilenet", 32, weights=tmp_path / "missing.h5")
    with pytest.raises(ModelBuildError, match="no ImageNet"):
        build_model("cnn", 32, weights="imagenet")


def test_imagenet_weights_without_network_are_a_clear_error(monkeypatch):
    import keras

    def offline(**kwargs):
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: None")

    monkeypatch.setattr(keras.applications, "MobileNetV2", offline)

    with pytest.raises(ModelBuildError, match="Without network, pass --weights"):
        build_model("mobilenet_v2", 32, weights="imagenet")


def test_center_crop_keeps_the_input_contract_and_rejects_silly_fractions():
    model = build_model("cnn", 40, crop=0.8)
    _check_contract(model, 40)
    assert model.get_layer("center_crop").output.shape[1] == 32
    with pytest.raises(ModelBuildError, match="crop"):
        build_model("cnn", 40, crop=0.1)
