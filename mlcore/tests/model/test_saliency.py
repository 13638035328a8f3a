"""The occlusion saliency map: of this image, of this model, cheap to draw."""

import io

import numpy as np
import pytest
from PIL import Image

from mlcore.decode.pictures import reencoded
from mlcore.model.inference import Predictor, logits_function
from mlcore.model.saliency import (
    SaliencyMap,
    blurred_where,
    gaussian_blur,
    grayscale_map,
    occlusion_map,
    overlay_image,
)
from mlcore.testing import TINY_SIZE, xray_array


def prepared(predictor: Predictor, *, seed: int, opaque: bool = True) -> np.ndarray:
    return predictor.prepare(Image.fromarray(xray_array(96, opaque=opaque, seed=seed), mode="L"))


@pytest.fixture(scope="module")
def predictor(trained_artifact):
    predictor = Predictor(trained_artifact)
    predictor.ensure_loaded()
    return predictor


@pytest.mark.slow
def test_map_has_the_input_shape_and_says_how_strong_it_is(predictor):
    result = predictor.saliency(prepared(predictor, seed=3), towards_pneumonia=True)

    assert result.values.shape == (TINY_SIZE, TINY_SIZE)
    assert result.values.min() >= 0.0 and result.values.max() == pytest.approx(1.0)
    assert result.peak > 0 and 0.0 < result.area <= 1.0


@pytest.mark.slow
def test_maps_of_two_different_images_differ(predictor):
    first = predictor.saliency(prepared(predictor, seed=3), towards_pneumonia=True).values
    second = predictor.saliency(prepared(predictor, seed=8), towards_pneumonia=True).values

    assert np.corrcoef(first.ravel(), second.ravel())[0, 1] < 0.9
    assert np.abs(first - second).mean() > 0.05


@pytest.mark.slow
def test_randomised_weights_change_the_map(predictor):
    """Adebayo et al. 2018: a map that survives randomising the model explains nothing."""
    import keras

    array = prepared(predictor, seed=3)
    trained = occlusion_map(predictor._logits, array, towards_pneumonia=True).values
    correlations = []
    for seed in (1, 2, 3):
        keras.utils.set_random_seed(seed)
        random_model = keras.models.clone_model(predictor._model)  # fresh, untrained weights
        randomised = occlusion_map(
            logits_function(random_model, TINY_SIZE), array, towards_pneumonia=True
        ).values
        assert np.abs(trained - randomised).mean() > 0.1
        correlations.append(np.corrcoef(trained.ravel(), randomised.ravel())[0, 1])

    assert np.mean(correlations) < 0.5


def test_a_model_that_ignores_the_image_gives_an_empty_weak_map():
    result = occlusion_map(
        lambda batch: np.zeros(len(batch)), np.random.rand(32, 32, 1), towards_pneumonia=True
    )

    assert result.peak == 0 and result.area == 0 and result.weak
    assert not result.values.any()


def test_a_model_that_reads_one_corner_points_at_that_corner():
    def corner_texture(batch: np.ndarray) -> np.ndarray:  # the logit is the corner's detail
        return batch[:, :8, :8, 0].std(axis=(1, 2)) * 10

    image = np.random.default_rng(0).random((32, 32, 1)).astype(np.float32)
    result = occlusion_map(corner_texture, image, towards_pneumonia=True)

    assert result.values[:4, :4].mean() > 0.8 and result.values[-8:, -8:].max() == 0
    assert not result.weak and not result.diffuse


def test_weak_and_diffuse_follow_the_statistics():
    flat = np.ones((8, 8), dtype=np.float32)
    assert SaliencyMap(flat, peak=2.0, area=1.0).diffuse
    assert SaliencyMap(flat, peak=0.1, area=0.1).weak
    assert not SaliencyMap(flat, peak=2.0, area=0.1).weak


def test_blur_keeps_brightness_and_only_touches_the_mask():
    image = np.zeros((20, 20, 1), dtype=np.float32)
    image[::2] = 1.0  # stripes: all texture
    mask = np.zeros((20, 20), dtype=bool)
    mask[5:15, 5:15] = True

    blurred = blurred_where(image, mask, sigma=2.0)

    assert np.array_equal(blurred[~mask], image[~mask])
    assert blurred[mask].std() < 0.1 and abs(blurred[mask].mean() - 0.5) < 0.1
    assert gaussian_blur(image, 2.0).mean() == pytest.approx(image.mean(), abs=0.02)


def test_grayscale_map_and_overlay_have_the_image_size():
    image = Image.fromarray(np.full((40, 60), 128, dtype=np.uint8), mode="L")
    values = np.zeros((8, 8), dtype=np.float32)
    values[2:5, 2:5] = 1.0

    raw = Image.open(io.BytesIO(reencoded(grayscale_map(values, image.size), "PNG")))
    overlay = Image.open(io.BytesIO(reencoded(overlay_image(image, values), "PNG")))

    assert raw.mode == "L" and raw.size == (60, 40)
    assert np.asarray(raw).max() == 255 and np.asarray(raw).min() == 0
    assert overlay.mode == "RGB" and overlay.size == (60, 40)
    assert np.asarray(overlay, dtype=int).std() > 5
