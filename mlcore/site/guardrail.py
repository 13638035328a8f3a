"""Whether a site version may replace the active model: figures with 95% intervals on the
same held-out reviews, and the install rule."""

from __future__ import annotations

from typing import Any

import numpy as np

from mlcore.stats.metrics import (
    bootstrap_auc_difference,
    bootstrap_auc_interval,
    decision_metrics,
    wilson_interval,
)


def figures(
    labels: np.ndarray,
    predicted: np.ndarray,
    scores: np.ndarray,
    reference: np.ndarray | None = None,
) -> dict[str, Any]:
    """Decision figures with 95% intervals: Wilson for proportions, bootstrap for the AUC;
    with the ``reference`` model's scores of the same images, the paired AUC difference."""
    result = decision_metrics(labels, predicted, scores)
    if reference is not None:
        result["roc_auc_minus_active"] = bootstrap_auc_difference(labels, scores, reference)
    (tn, fp), (fn, tp) = result["confusion_matrix"]
    result["intervals"] = {
        "sensitivity": wilson_interval(tp, tp + fn),
        "specificity": wilson_interval(tn, tn + fp),
        "accuracy": wilson_interval(tp + tn, len(labels)),
        "roc_auc": bootstrap_auc_interval(labels, scores),
    }
    return result


INSTALL_RULE = (
    "installed only if the held-out reviews do not show the candidate worse: the 95% paired "
    "bootstrap interval of its ROC AUC minus the active model's (same reviews) reaches 0, and "
    "the 95% Wilson interval of its sensitivity at its threshold reaches the target; and only "
    "if the active model's ROC AUC on the reviews is at least 0.5 (below, the reviews, not the "
    "model, are suspect)"
)
# The active model ranks the site's reviews worse than a coin: no change of hospital does
# that to a model that works elsewhere, wrong labels do (a reviewer giving the opposite
# finding, a mixed-up import).
SUSPECT_ACTIVE_AUC = 0.5


def guardrail_failures(before: dict, after: dict, target: float) -> list[str]:
    """One line per failed check of :data:`INSTALL_RULE`; empty: the candidate may go in."""
    failures = []
    difference, low, high = after["roc_auc_minus_active"]
    if high < 0:
        failures.append(
            f"held-out ROC AUC {after['roc_auc']:.3f} is below the active model's "
            f"{before['roc_auc']:.3f} on the same reviews (difference {difference:.3f}, 95% "
            f"interval {low:.3f} to {high:.3f})"
        )
    if before["roc_auc"] < SUSPECT_ACTIVE_AUC:
        failures.append(
            f"the active model's held-out ROC AUC on these reviews is {before['roc_auc']:.3f}, "
            "worse than chance: the reviews contradict it beyond any change of site; check who "
            "reviewed what (the reviewers' table) before adapting"
        )
    low, high = after["intervals"]["sensitivity"]
    if high < target:
        failures.append(
            f"held-out sensitivity {after['sensitivity']:.3f} (95% interval {low:.3f}-"
            f"{high:.3f}) is below the target {target:.3f}"
        )
    return failures
