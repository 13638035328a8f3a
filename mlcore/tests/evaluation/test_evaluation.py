"""Metrics against values computed by hand; plots; where the model folder is."""

from __future__ import annotations

import numpy as np
import pytest

from mlcore.artifact.files import default_model_dir
from mlcore.evaluation import plots
from mlcore.stats import metrics
from mlcore.stats.calibration import expected_calibration_error

LABELS = np.array([0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
PROBS = np.array([0.1, 0.2, 0.6, 0.4, 0.3, 0.7, 0.8, 0.9, 0.65, 0.55])


def test_binary_metrics_by_hand():
    # at 0.5: normals 0.1 0.2 0.6 0.4 -> 1 false positive; pneumonia 0.3 -> 1 false negative
    m = metrics.binary_metrics(LABELS, PROBS, 0.5)
    assert m["confusion_matrix"] == [[3, 1], [1, 5]]
    assert m["accuracy"] == pytest.approx(0.8)
    assert m["sensitivity"] == pytest.approx(5 / 6)
    assert m["specificity"] == pytest.approx(0.75)
    assert m["precision"] == pytest.approx(5 / 6)
    assert m["f1"] == pytest.approx(5 / 6)
    # pairs (pos > neg): 0.3 beats 0.1, 0.2 (2); 0.55 beats 3; the other four beat all 4
    assert m["roc_auc"] == pytest.approx((2 + 3 + 4 * 4) / 24)
    assert m["n"] == 10 and m["threshold"] == 0.5


def test_auc_counts_ties_as_half_and_handles_extremes():
    assert metrics.roc_auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    assert metrics.roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    assert metrics.roc_auc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1]) == 0.0
    assert np.isnan(metrics.roc_auc([1, 1], [0.2, 0.3]))


def test_roc_curve_area_matches_auc():
    fpr, tpr = metrics.roc_curve(LABELS, PROBS)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0, 0, 1, 1)
    assert np.trapezoid(tpr, fpr) == pytest.approx(metrics.roc_auc(LABELS, PROBS))


def test_zero_divisions_give_zero():
    m = metrics.binary_metrics(np.array([0, 0]), np.array([0.1, 0.2]), 0.5)
    assert m["sensitivity"] == 0.0 and m["precision"] == 0.0 and m["specificity"] == 1.0


def test_expected_calibration_error_by_hand():
    # one bin at 0.9 with 50% positives (gap 0.4), one at 0.1 with 0% (gap 0.1), equal weight
    labels = np.array([1, 0, 0, 0])
    probs = np.array([0.9, 0.9, 0.1, 0.1])
    assert expected_calibration_error(labels, probs) == pytest.approx(0.25)
    assert expected_calibration_error(np.array([1, 0]), np.array([1.0, 0.0])) == 0.0


def test_plots_are_written(tmp_path):
    plots.plot_roc({"test": (LABELS, PROBS)}, tmp_path / "roc.png")
    plots.plot_confusion([[3, 1], [1, 5]], tmp_path / "confusion.png", "test")
    plots.plot_reliability(LABELS, {"raw": PROBS}, tmp_path / "reliability.png")
    for name in ("roc.png", "confusion.png", "reliability.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")


def test_default_model_dir_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PNEUMO_MODEL_DIR", str(tmp_path))
    assert default_model_dir() == tmp_path
    monkeypatch.delenv("PNEUMO_MODEL_DIR")
    assert default_model_dir().parts[-2:] == ("mlcore", "shipped_model")
