"""The site head: fitted on separable features, chosen by grouped CV, never told a held-out
review."""

from __future__ import annotations

import numpy as np

from mlcore.site import head
from mlcore.stats.calibration import ThresholdRule
from mlcore.stats.metrics import roc_auc, sigmoid

RULE = ThresholdRule(0.95)


def generated(site: int = 60, training: int = 40, dims: int = 300, seed: int = 0):
    """Two classes apart along one direction; two rows per patient; training rows last."""
    rng = np.random.default_rng(seed)
    labels = np.r_[np.arange(site) // 2 % 2, rng.integers(0, 2, training)].astype(float)
    direction = rng.standard_normal(dims)
    features = rng.standard_normal((site + training, dims)) + np.outer(labels * 2 - 1, direction)
    groups = np.r_[[f"p{i // 2}" for i in range(site)], ["train"] * training]
    return head.HeadData(features, labels, groups, np.arange(site + training) < site)


def test_the_head_separates_separable_features_and_folds_calibration_into_its_weights():
    data = generated()
    (fitted,) = head.fit_heads(data, np.arange(len(data.labels)), [head.HeadParams(10.0, 0.1)])

    logits = fitted.logits(data.features)
    assert roc_auc(data.labels, logits) == 1.0
    calibrated = fitted.calibrated(0.5, -1.0)
    np.testing.assert_allclose(calibrated.logits(data.features), 0.5 * logits - 1.0)


def test_folds_keep_each_patient_whole_and_both_classes_in_every_fold():
    data = generated()
    folds = head.grouped_folds(data, data.site_rows, 5, seed=3)

    assert sorted(np.concatenate(folds)) == list(data.site_rows)
    for fold in folds:
        assert set(data.labels[fold]) == {0.0, 1.0}
        others = set(data.groups[np.setdiff1d(data.site_rows, fold)])
        assert not others & set(data.groups[fold])


def test_nested_cross_validation_never_uses_a_held_out_review():
    data = generated(seed=1)
    outer = head.grouped_folds(data, data.site_rows, 4, seed=0)
    candidates = head.grid((10.0, 100.0), (0.0, 0.1))
    reference = head.nested_cross_validation(data, candidates, RULE, 0, outer=outer)

    # Another truth for the first fold's reviews: its held-out scores cannot change,
    # the other folds' (which learn from those reviews) do.
    labels = data.labels.copy()
    labels[outer[0]] = 1 - labels[outer[0]]
    changed = head.HeadData(data.features, labels, data.groups, data.site)
    poisoned = head.nested_cross_validation(changed, candidates, RULE, 0, outer=outer)

    first, rest = outer[0], np.concatenate(outer[1:])
    np.testing.assert_array_equal(poisoned.probabilities[first], reference.probabilities[first])
    np.testing.assert_array_equal(poisoned.thresholds[first], reference.thresholds[first])
    assert not np.allclose(poisoned.probabilities[rest], reference.probabilities[rest])
    assert list(reference.rows) == list(data.site_rows)  # training rows are never scored


def test_the_choice_keeps_the_target_sensitivity_on_its_out_of_fold_scores():
    data = generated(seed=2)
    choice = head.choose(data, data.site_rows, head.grid((10.0, 30.0), (0.05,)), RULE, 0)

    positives = choice.probabilities[choice.labels == 1]
    assert np.mean(positives >= choice.threshold) >= 0.95
    final = head.final_head(data, data.site_rows, choice)
    assert roc_auc(data.labels, sigmoid(final.logits(data.features))) > 0.99
