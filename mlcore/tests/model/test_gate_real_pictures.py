"""The gate holds on real pictures that are no chest X-ray (issue 15), not only generated
ones, and still lets chest X-rays through."""

import numpy as np
import pytest

from mlcore.artifact.files import LAYOUT_GATE_FILENAME, SHIPPED_MODEL_DIR, read_card
from mlcore.data.real_non_xrays import HELD_OUT, TUNED_ON, real_not_xray_uploads
from mlcore.decode.upload import model_picture
from mlcore.model.gate import LAYOUT_BLOCKS, TEXTURE_BLOCKS, layout_features
from mlcore.model.inference import Predictor
from mlcore.testing import xray_inputs


def real_pictures(predictor: Predictor, group: str) -> dict[str, np.ndarray]:
    """The group's pictures decoded as uploads, as the predictor's inputs."""
    return {
        name: predictor.prepare(model_picture(data, predictor.card.input_size))
        for name, data in real_not_xray_uploads(group).items()
    }


def accepted(predictor: Predictor, pictures: dict[str, np.ndarray]) -> list[str]:
    predictions = predictor.predict_arrays(list(pictures.values()))
    return [name for name, p in zip(pictures, predictions, strict=True) if p.recognised]


def test_layout_features_are_block_means_of_brightness_then_of_edges():
    images = np.zeros((1, 24, 24, 1))
    images[0, :12, :, 0] = 1.0  # a bright top half: one horizontal edge, rows 11-12

    features = layout_features(images)

    assert features.shape == (1, LAYOUT_BLOCKS**2 + TEXTURE_BLOCKS**2)
    brightness = features[0, : LAYOUT_BLOCKS**2].reshape(LAYOUT_BLOCKS, LAYOUT_BLOCKS)
    assert brightness[:6].min() == 1.0 and brightness[6:].max() == 0.0
    edges = features[0, LAYOUT_BLOCKS**2 :].reshape(TEXTURE_BLOCKS, TEXTURE_BLOCKS)
    assert edges[2].min() > 0 and np.delete(edges, 2, axis=0).max() == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("group", [TUNED_ON, HELD_OUT])
def test_the_shipped_gate_refuses_every_real_picture_that_is_no_chest_xray(group):
    shipped = Predictor(SHIPPED_MODEL_DIR)

    assert accepted(shipped, real_pictures(shipped, group)) == []


@pytest.mark.slow
def test_the_tiny_models_gates_accept_generated_xrays_and_refuse_real_pictures(trained_artifact):
    predictor = Predictor(trained_artifact)

    xrays = dict(enumerate(xray_inputs(24, first_seed=3000)[0]))
    assert len(accepted(predictor, xrays)) == len(xrays)
    assert accepted(predictor, real_pictures(predictor, TUNED_ON)) == []
    assert read_card(trained_artifact).gate.layout_threshold > 0


@pytest.mark.slow
def test_an_artifact_from_before_the_layout_gate_still_gates_on_features(artifact):
    (artifact / LAYOUT_GATE_FILENAME).unlink()

    (prediction,) = Predictor(artifact).predict_arrays(list(xray_inputs(1, first_seed=3000)[0]))

    assert prediction.recognised and prediction.layout_score is None
    assert prediction.ood_score is not None
