import numpy as np
import pytest

from mlcore.model.gate import FeatureGaussian, fit_gaussian
from mlcore.model.networks import features_and_logits_model


def test_mahalanobis_distance_and_percentile_cut_off():
    rng = np.random.default_rng(0)
    train = rng.normal(0, [1.0, 10.0], (5000, 2))
    val = rng.normal(0, [1.0, 10.0], (1000, 2))

    gate = fit_gaussian(train, val, percentile=99.0, shrinkage=0.0)

    near, along_wide_axis, along_narrow_axis = gate.distance([[0, 0], [0, 10], [10, 0]])
    assert near < 0.1
    assert along_wide_axis == pytest.approx(1.0, rel=0.05)
    assert along_narrow_axis == pytest.approx(10.0, rel=0.05)
    assert np.mean(gate.distance(val) > gate.threshold) == pytest.approx(0.01, abs=0.005)


def test_low_rank_gate_keeps_the_full_distance_in_its_leading_directions():
    rng = np.random.default_rng(1)
    scales = np.array([20.0, 10.0, 1.0, 1.0, 1.0, 1.0])
    train = rng.normal(0, scales, (20000, 6))

    full = fit_gaussian(train, train, shrinkage=0.0)
    low_rank = fit_gaussian(train, train, shrinkage=0.0, max_components=2)

    probes = np.array([[20.0, 0, 0, 0, 0, 0], [0, 0, 3.0, 0, 0, 0], [0, 0, 0, 0, 0, 5.0]])
    assert low_rank.components.shape == (6, 2)
    assert low_rank.distance(probes) == pytest.approx(full.distance(probes), rel=0.05)
    assert low_rank.distance(probes) == pytest.approx([1.0, 3.0, 5.0], rel=0.05)


def test_gate_round_trips_through_the_artifact_folder(tmp_path):
    rng = np.random.default_rng(2)
    gate = fit_gaussian(rng.normal(size=(500, 4)), rng.normal(size=(100, 4)), max_components=2)
    gate.save(tmp_path / "ood.npz")

    loaded = FeatureGaussian.load(tmp_path / "ood.npz")

    assert loaded.threshold == pytest.approx(gate.threshold)
    probes = rng.normal(size=(5, 4))
    assert loaded.distance(probes) == pytest.approx(gate.distance(probes), rel=1e-5)
    assert FeatureGaussian.load(tmp_path / "elsewhere.npz") is None


@pytest.mark.slow
def test_features_of_an_ensemble_concatenate_its_members_pools(tmp_path):
    import keras

    from mlcore.model.networks import CNN_FILTERS, build_model, ensemble

    members = [build_model("cnn", 32), build_model("cnn", 32)]
    ensemble(members, [1.0, 1.0]).save(tmp_path / "model.keras")  # as the app loads it
    both = features_and_logits_model(keras.saving.load_model(tmp_path / "model.keras"))

    features, logits = both(np.zeros((2, 32, 32, 1), np.float32))
    assert features.shape == (2, 2 * CNN_FILTERS[-1])
    assert logits.shape == (2, 1)
