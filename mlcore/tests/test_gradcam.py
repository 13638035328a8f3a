import io

import numpy as np
import pytest
from PIL import Image

from mlcore.gradcam import overlay_image
from mlcore.imaging import reencoded
from mlcore.inference import Predictor
from mlcore.testing import build_tiny_artifact, xray_array


@pytest.fixture(scope="module")
def tiny_artifact(tmp_path_factory: pytest.TempPathFactory):
    return build_tiny_artifact(tmp_path_factory.mktemp("tiny-artifact"))


@pytest.mark.slow
def test_class_activation_map_has_the_input_shape_and_structure(tiny_artifact):

    predictor = Predictor(tiny_artifact)
    image = Image.fromarray(xray_array(64, opaque=True), mode="L")
    array = predictor.prepare(image)

    cam = predictor.heatmap(array, towards_pneumonia=True)

    assert cam.shape == array.shape[:2]
    assert cam.min() >= 0.0 and cam.max() <= 1.0
    assert cam.std() > 0.01


def test_overlay_is_a_colour_image_of_the_image_size():
    image = Image.fromarray(np.full((40, 60), 128, dtype=np.uint8), mode="L")
    cam = np.zeros((8, 8), dtype=np.float32)
    cam[2:5, 2:5] = 1.0

    overlay = Image.open(io.BytesIO(reencoded(overlay_image(image, cam), "PNG")))

    assert overlay.mode == "RGB" and overlay.size == (60, 40)
    pixels = np.asarray(overlay, dtype=int)
    assert pixels.std() > 5


@pytest.mark.slow
def test_map_of_a_center_cropping_model_leaves_the_border_empty(tiny_artifact):
    from mlcore.gradcam import class_activation_map, gradcam_model

    predictor = Predictor(tiny_artifact)
    predictor.ensure_loaded()
    array = predictor.prepare(Image.fromarray(xray_array(64, opaque=True), mode="L"))
    grad_model = gradcam_model(predictor._model, "last_conv")

    cam = class_activation_map(grad_model, array, towards_pneumonia=True, center_crop=0.5)

    assert cam.shape == (32, 32)
    assert cam[:8].max() == 0 and cam[:, -8:].max() == 0
    assert cam[8:24, 8:24].max() > 0
