"""Whether a site version may replace the active model: figures with 95% intervals on the
same held-out reviews, and the install rule."""

from __future__ import annotations

from typing import Any

import numpy as np

from mlcore.metrics import bootstrap_auc_interval, decision_metrics, wilson_interval


def figures(labels: np.ndarray, predicted: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    """Decision figures with 95% intervals: Wilson for proportions, bootstrap for the AUC."""
    result = decision_metrics(labels, predicted, scores)
    (tn, fp), (fn, tp) = result["confusion_matrix"]
    result["intervals"] = {
        "sensitivity": wilson_interval(tp, tp + fn),
        "specificity": wilson_interval(tn, tn + fp),
        "accuracy": wilson_interval(tp + tn, len(labels)),
        "roc_auc": bootstrap_auc_interval(labels, scores),
    }
    return result


INSTALL_RULE = (
    "installed only if, on the same held-out reviews, the candidate's ROC AUC is at least the "
    "active model's and the target sensitivity is not above the upper end of the 95% Wilson "
    "interval of the candidate's sensitivity (the data do not show it below the target)"
)


def guardrail_failures(before: dict, after: dict, target: float) -> list[str]:
    """One line per failed check of :data:`INSTALL_RULE`; empty: the candidate may go in."""
    failures = []
    if after["roc_auc"] < before["roc_auc"]:
        failures.append(
            f"held-out ROC AUC {after['roc_auc']:.3f} is below the active model's "
            f"{before['roc_auc']:.3f} on the same reviews"
        )
    low, high = after["intervals"]["sensitivity"]
    if high < target:
        failures.append(
            f"held-out sensitivity {after['sensitivity']:.3f} (95% interval {low:.3f}-"
            f"{high:.3f}) is below the target {target:.3f}"
        )
    return failures
