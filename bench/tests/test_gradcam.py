"""Grad-CAM, the baseline bench.saliency compares the app's occlusion map with."""

import pytest
from PIL import Image

from bench.gradcam import class_activation_map, gradcam_model
from mlcore.model.inference import Predictor
from mlcore.testing import xray_array


@pytest.fixture(scope="module")
def loaded(trained_artifact):
    predictor = Predictor(trained_artifact)
    predictor.ensure_loaded()
    array = predictor.prepare(Image.fromarray(xray_array(64, opaque=True), mode="L"))
    return gradcam_model(predictor._model, "last_conv"), array


@pytest.mark.slow
def test_class_activation_map_has_the_input_shape_and_structure(loaded):
    grad_model, array = loaded

    cam = class_activation_map(grad_model, array, towards_pneumonia=True)

    assert cam.shape == array.shape[:2]
    assert cam.min() >= 0.0 and cam.max() <= 1.0
    assert cam.std() > 0.01


@pytest.mark.slow
def test_map_of_a_center_cropping_model_leaves_the_border_empty(loaded):
    grad_model, array = loaded

    cam = class_activation_map(grad_model, array, towards_pneumonia=True, center_crop=0.5)

    assert cam.shape == (32, 32)
    assert cam[:8].max() == 0 and cam[:, -8:].max() == 0
    assert cam[8:24, 8:24].max() > 0
