"""The install rule's figures: Wilson and bootstrap intervals, one line per failed check."""

from __future__ import annotations

import numpy as np
import pytest

from mlcore.site.guardrail import figures, guardrail_failures
from mlcore.stats.metrics import bootstrap_auc_difference, wilson_interval


def test_wilson_interval_matches_the_textbook_value():
    assert wilson_interval(90, 100) == pytest.approx((0.8256, 0.9448), abs=1e-4)


def test_the_paired_difference_of_a_model_with_itself_is_exactly_zero():
    rng = np.random.default_rng(0)
    labels, scores = rng.integers(0, 2, 80), rng.random(80)
    assert bootstrap_auc_difference(labels, scores, scores) == (0.0, 0.0, 0.0)


def test_each_failed_check_is_one_line():
    labels = np.r_[np.zeros(30), np.ones(30)]
    active = np.r_[np.linspace(0, 0.5, 30), np.linspace(0.5, 1, 30)]  # ranks perfectly
    worse = np.random.default_rng(1).random(60)
    before = figures(labels, active >= 0.5, active)
    after = figures(labels, worse >= 0.9, worse, active)

    failures = guardrail_failures(before, after, 0.95)

    assert len(failures) == 2 and all("\n" not in failure for failure in failures)
    assert "ROC AUC" in failures[0] and "sensitivity" in failures[1]
    assert guardrail_failures(before, figures(labels, active >= 0.5, active, active), 0.95) == []


def test_reviews_the_active_model_ranks_worse_than_chance_refuse_any_candidate():
    # One account reviewed everything with the opposite finding: the candidate fits those
    # labels (perfectly here), the active model contradicts them.
    labels = np.r_[np.zeros(30), np.ones(30)]
    active = np.r_[np.linspace(0.5, 1, 30), np.linspace(0, 0.5, 30)]  # the truth: inverted
    candidate = 1 - active
    before = figures(labels, active >= 0.5, active)
    after = figures(labels, candidate >= 0.5, candidate, active)

    failures = guardrail_failures(before, after, 0.95)

    assert failures == [failures[0]] and "worse than chance" in failures[0]
    assert f"{before['roc_auc']:.3f}" in failures[0]
