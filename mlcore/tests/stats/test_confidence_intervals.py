"""Site-performance maths against values worked out by hand."""

import math

import numpy as np
import pytest

from mlcore.stats.metrics import (
    bootstrap_auc_interval,
    bootstrap_aucs,
    performance_report,
    reliability_bins,
    roc_auc,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (8, 10, 0.4902, 0.9433),  # centre 0.7167, half-width 0.2266
        (0, 10, 0.0, 0.2775),  # the upper end is z^2 / (n + z^2)
        (10, 10, 0.7225, 1.0),
        (50, 100, 0.4038, 0.5962),
    ],
)
def test_wilson_interval(successes, n, low, high):
    assert wilson_interval(successes, n) == pytest.approx((low, high), abs=1e-4)


def test_wilson_interval_of_nothing_is_undefined():
    assert all(math.isnan(value) for value in wilson_interval(0, 0))


def test_each_bootstrap_auc_is_the_auc_of_its_resample():
    labels = np.array([1, 1, 1, 0, 0, 0, 0], dtype=bool)
    scores = np.array([0.9, 0.4, 0.4, 0.4, 0.2, 0.5, 0.1])  # ties across classes
    fast = bootstrap_aucs(labels, scores, resamples=50, seed=3)

    # The same draws, done slowly: positives first, then negatives (each sorted by score),
    # from one generator.
    rng = np.random.default_rng(3)
    positives = np.flatnonzero(labels)[np.argsort(scores[labels], kind="stable")]
    negatives = np.flatnonzero(~labels)[np.argsort(scores[~labels], kind="stable")]
    drawn_pos = positives[rng.integers(0, 3, size=(50, 3))]
    drawn_neg = negatives[rng.integers(0, 4, size=(50, 4))]
    slow = [
        roc_auc(labels[np.r_[p, q]], scores[np.r_[p, q]])
        for p, q in zip(drawn_pos, drawn_neg, strict=True)
    ]
    np.testing.assert_allclose(fast, slow)


def test_bootstrap_interval_of_perfect_and_of_useless_scores():
    labels = np.array([0] * 10 + [1] * 10, dtype=bool)
    assert bootstrap_auc_interval(labels, labels.astype(float)) == (1.0, 1.0)
    assert bootstrap_auc_interval(labels, np.full(20, 0.3)) == (0.5, 0.5)
    assert all(math.isnan(v) for v in bootstrap_auc_interval(labels[:10], np.ones(10)))


def test_bootstrap_interval_is_seeded_order_free_and_holds_the_auc():
    rng = np.random.default_rng(0)
    labels = rng.random(400) < 0.5
    scores = rng.random(400) + 0.6 * labels
    low, high = bootstrap_auc_interval(labels, scores, seed=7)

    assert (low, high) == bootstrap_auc_interval(labels, scores, seed=7)
    shuffled = rng.permutation(400)
    assert (low, high) == bootstrap_auc_interval(labels[shuffled], scores[shuffled], seed=7)
    assert low < roc_auc(labels, scores) < high
    assert 0.03 < high - low < 0.15  # about 4 standard errors of an AUC near 0.8 at n=400


def test_reliability_bins():
    labels = np.array([0, 0, 1, 1, 1])
    stated = np.array([0.05, 0.15, 0.12, 0.95, 1.0])  # 1.0 falls in the last bin
    table = reliability_bins(labels, stated, bins=10)

    assert [row["n"] for row in table] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 2]
    assert table[1]["mean_stated"] == pytest.approx(0.135)
    assert table[1]["observed"] == pytest.approx(0.5)
    assert table[2]["mean_stated"] is None and table[2]["observed"] is None
    assert table[9]["observed"] == 1.0


def test_performance_report_counts_and_intervals():
    # 10 pneumonia (8 called pneumonia), 10 normal (9 called normal)
    labels = np.array([1] * 10 + [0] * 10, dtype=bool)
    predicted = np.array([1] * 8 + [0] * 2 + [0] * 9 + [1], dtype=bool)
    stated = np.where(predicted, 0.9, 0.1)
    report = performance_report(labels, stated, predicted, min_per_class=10)

    assert report["confusion_matrix"] == {"tn": 9, "fp": 1, "fn": 2, "tp": 8}
    sensitivity = report["sensitivity"]
    assert (sensitivity["count"], sensitivity["n"], sensitivity["value"]) == (8, 10, 0.8)
    assert (sensitivity["low"], sensitivity["high"]) == pytest.approx((0.4902, 0.9433), abs=1e-4)
    assert report["specificity"]["value"] == 0.9
    assert report["precision"]["count"] == 8 and report["precision"]["n"] == 9
    assert report["accuracy"]["value"] == 0.85
    # AUC: pairs (pneumonia, normal) won 8*9 + ties (8*1 + 2*9) / 2 = 85 of 100
    assert report["roc_auc"]["value"] == pytest.approx(0.85)
    assert report["enough"] and report["note"] == ""


def test_too_few_reviews_is_said_plainly():
    labels = np.array([1] * 25 + [0] * 5, dtype=bool)
    report = performance_report(labels, labels * 0.8, labels)

    assert not report["enough"]
    assert report["note"].startswith("Too few reviews to conclude")
    assert report["specificity"]["n"] == 5
