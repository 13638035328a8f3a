"""Threshold choice, calibration and a tiny end-to-end training run."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from mlcore.artifact.files import read_card
from mlcore.cli.train import main
from mlcore.errors import ModelBuildError
from mlcore.evaluation import predictions as ev
from mlcore.model.inference import Predictor
from mlcore.stats import metrics
from mlcore.stats.calibration import (
    PLATT_SLOPE_RANGE,
    ThresholdRule,
    choose_threshold,
    expected_calibration_error,
    fit_platt,
)
from mlcore.testing import xray_array
from mlcore.training import TrainConfig, train
from mlcore.training.augment import build_augmentation
from mlcore.training.config import AUGMENTATIONS, members


def test_threshold_keeps_the_target_sensitivity_with_best_specificity():
    labels = np.array([0] * 5 + [1] * 20)
    probs = np.r_[[0.1, 0.2, 0.3, 0.72, 0.9], np.linspace(0.4, 0.99, 20)]
    threshold = choose_threshold(labels, probs, 0.95)
    # 19 of 20 positives must stay above: the 19th-highest positive is the second-lowest
    second_lowest = np.sort(probs[labels == 1])[1]
    assert metrics.binary_metrics(labels, probs, threshold)["sensitivity"] >= 0.95
    assert second_lowest - 0.1 < threshold <= second_lowest
    assert threshold > 0.4  # halfway to the next lower score, the lowest positive
    assert metrics.binary_metrics(labels, probs, threshold)["specificity"] == pytest.approx(0.6)


def test_threshold_for_full_sensitivity_and_separable_scores():
    labels = np.array([0, 0, 1, 1])
    assert choose_threshold(labels, np.array([0.1, 0.2, 0.8, 0.9]), 1.0) == pytest.approx(0.5)


def floor_example(last_negative: float) -> tuple[np.ndarray, np.ndarray]:
    """20 positives from 0.5 up, 8 low negatives, one at 0.3 and one at ``last_negative``."""
    labels = np.array([1] * 20 + [0] * 10)
    probs = np.r_[np.linspace(0.5, 0.99, 20), [0.1] * 8, 0.3, last_negative]
    return labels, probs


def test_a_specificity_floor_with_room_to_spare_buys_sensitivity():
    labels, probs = floor_example(0.52)
    second_lowest_positive = np.linspace(0.5, 0.99, 20)[1]
    # Sensitivity alone: 19 of 20 above, halfway down to the negative at 0.52.
    assert choose_threshold(labels, probs, 0.95) == pytest.approx(
        (second_lowest_positive + 0.52) / 2
    )
    # With specificity >= 0.8: at 0.5 (every positive, 9 of 10 negatives) both targets hold
    # with margins of 1.03 and 0.79 standard errors; at 0.5258 or 0.52 sensitivity has none.
    threshold = choose_threshold(labels, probs, 0.95, min_specificity=0.8)
    assert threshold == pytest.approx((0.5 + 0.3) / 2)
    figures = metrics.binary_metrics(labels, probs, threshold)
    assert (figures["sensitivity"], figures["specificity"]) == (1.0, 0.9)


def test_sensitivity_comes_first_when_no_threshold_keeps_both():
    labels, probs = floor_example(0.6)  # 0.9 specificity at most while sensitivity holds
    alone = choose_threshold(labels, probs, 0.95)
    assert choose_threshold(labels, probs, 0.95, min_specificity=0.95) == alone
    assert metrics.binary_metrics(labels, probs, alone)["sensitivity"] == 0.95
    rule = ThresholdRule(0.95, 0.95)
    assert rule.choose(labels, probs) == alone and "else the highest threshold" in str(rule)


def test_platt_recovers_a_known_scale_and_shift():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, 20000)
    labels = (rng.random(20000) < metrics.sigmoid(0.5 * logits + 1.0)).astype(float)
    a, b = fit_platt(logits, labels)
    assert a == pytest.approx(0.5, abs=0.03) and b == pytest.approx(1.0, abs=0.06)
    before = expected_calibration_error(labels, metrics.sigmoid(logits))
    after = expected_calibration_error(labels, metrics.sigmoid(a * logits + b))
    assert after < 0.02 < before


@pytest.mark.parametrize(
    ("logits", "bound"),
    [
        ([-3.0, -1.0, 1.0, 3.0], PLATT_SLOPE_RANGE[1]),
        ([3.0, 1.0, -1.0, -3.0], PLATT_SLOPE_RANGE[0]),
    ],
    ids=["separable", "anti-correlated"],
)
def test_platt_slope_stays_bounded(logits, bound):
    a, b = fit_platt(np.array(logits), np.array([0, 0, 1, 1.0]))
    assert a == pytest.approx(bound) and np.isfinite(b)


@pytest.mark.parametrize("strength", AUGMENTATIONS)
def test_augmentation_keeps_shape_and_range(strength):
    import tensorflow as tf

    images = tf.random.uniform((4, 32, 32, 1), seed=1)
    augment = build_augmentation(strength, seed=1)
    if strength == "none":
        assert augment is None
        return
    out = augment(images).numpy()
    assert out.shape == (4, 32, 32, 1) and out.min() >= 0.0 and out.max() <= 1.0
    assert not np.allclose(out, images.numpy())


@pytest.mark.slow
def test_tiny_training_run_writes_an_artifact_the_app_can_use(tiny_data, tmp_path):
    output = tmp_path / "artifact"
    config = TrainConfig(
        data_dir=tiny_data, backbone="cnn", epochs=2, image_size=32, batch_size=8,
        output=output, max_minutes=5, augment="strong",
    )  # fmt: skip
    folder, card = train(config)
    assert folder == output
    read = read_card(output)
    assert read.version == card.version and read.input_size == 32 and read.equalize
    assert 0 < read.threshold < 1 and read.calibration.temperature > 0
    assert read.network.last_conv_layers == ("last_conv",)
    assert read.provenance.data["test"]["normal"] == 6
    assert read.provenance.training["fit"]["epochs_run"] == 2
    assert {"val", "test"} <= set(read.metrics) and read.calibration.ece_test is not None
    assert read.gate.threshold > 0  # the "is this a chest X-ray?" gate is fitted
    for name in ("roc.png", "confusion.png", "reliability.png", "ood.npz"):
        assert (output / name).is_file()
    # what the app does: load, call, calibrate; evaluation gives the card's test figures
    result = ev.evaluate_artifact(output, tiny_data)
    assert result["roc_auc"] == pytest.approx(read.metrics["test"]["roc_auc"], abs=1e-6)
    assert result["confusion_matrix"] == read.metrics["test"]["confusion_matrix"]


@pytest.mark.slow
def test_cli_reports_a_missing_data_dir_in_one_line(tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path / "missing")]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "does not exist" in error


def test_cli_with_a_missing_weights_file_says_so_and_leaves_no_run_folder(
    tiny_data, tmp_path, capsys
):
    output = tmp_path / "run"
    missing = str(tmp_path / "missing.h5")
    argv = ["--data-dir", str(tiny_data), "--backbone", "mobilenet", "--weights", missing,
            "--image-size", "32", "--output", str(output)]  # fmt: skip

    assert main(argv) == 2
    assert capsys.readouterr().err.strip().startswith("error: Weights file")
    assert not output.exists()


@pytest.mark.slow
def test_cli_install_copies_the_artifact(tiny_data, tmp_path, monkeypatch):
    monkeypatch.setenv("PNEUMO_MODEL_DIR", str(tmp_path / "installed"))
    argv = ["--data-dir", str(tiny_data), "--backbone", "cnn", "--epochs", "1",
            "--image-size", "32", "--batch-size", "8", "--output", str(tmp_path / "out"),
            "--augment", "none", "--no-equalize", "--install"]  # fmt: skip
    assert main(argv) == 0
    card = json.loads((tmp_path / "installed" / "model_card.json").read_text())
    assert card["equalize"] is False
    assert (tmp_path / "installed" / "model.keras").is_file()
    assert (tmp_path / "installed" / "ood.npz").is_file()


@pytest.mark.slow
def test_ensemble_of_two_backbones_is_one_model_with_a_reachable_feature_map(tiny_data, tmp_path):
    config = TrainConfig(
        data_dir=tiny_data, backbone="cnn,mobilenet", weights="none", epochs=1, image_size=32,
        batch_size=8, output=tmp_path / "ens", augment="none",
    )  # fmt: skip
    _, card = train(config)
    assert card.provenance.backbone == "cnn+mobilenet"
    assert card.network.last_conv_layers == ("m0_last_conv", "m1_last_conv")
    assert set(card.provenance.training) >= {"member-0", "member-1"}
    model, read = ev.load_artifact(tmp_path / "ens")
    assert len(model.get_layer("m0_last_conv").output.shape) == 4
    result = ev.evaluate_artifact(tmp_path / "ens", tiny_data)
    assert result["roc_auc"] == pytest.approx(read.metrics["test"]["roc_auc"], abs=1e-6)
    assert card.band is not None and card.band.low <= card.threshold <= card.band.high
    # the heatmap occludes the ensemble's input: it explains all members at once
    predictor = Predictor(tmp_path / "ens")
    saliency = predictor.saliency(
        predictor.prepare(Image.fromarray(xray_array(32))), towards_pneumonia=True
    )
    values = saliency.values
    assert values.shape == (32, 32) and values.min() >= 0
    assert values.max() == pytest.approx(1.0) or saliency.peak == 0


def test_weights_must_match_the_backbones():
    assert members(TrainConfig(backbone="cnn, mobilenet", weights="none,w.h5")) == [
        ("cnn", None),
        ("mobilenet", "w.h5"),
    ]
    assert members(TrainConfig(backbone="cnn,cnn")) == [("cnn", None), ("cnn", None)]
    assert members(TrainConfig()) == [  # the shipped recipe: ImageNet where it exists
        ("mobilenet_v2", "imagenet"),
        ("cnn", None),
        ("mobilenet_v2", "imagenet"),
    ]
    assert members(TrainConfig(backbone="mobilenet,cnn", weights="w.h5")) == [
        ("mobilenet", "w.h5"),
        ("cnn", None),
    ]
    assert members(TrainConfig(backbone="cnn", weights="cnn.h5")) == [("cnn", "cnn.h5")]
    with pytest.raises(ModelBuildError, match="2 backbones"):
        members(TrainConfig(backbone="cnn,cnn", weights="a,b,c"))
