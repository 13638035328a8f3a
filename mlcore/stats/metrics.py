"""Classification metrics in plain numpy (scikit-learn is not a dependency).

Labels: 1 = pneumonia. Probabilities are the calibrated ones the app shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def sigmoid(logits: np.ndarray) -> np.ndarray:
    # exp(-log(1 + e^-x)): no overflow for very negative logits
    return np.exp(-np.logaddexp(0.0, -np.asarray(logits, dtype=np.float64)))


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with average ranks for ties)."""
    labels = np.asarray(labels).astype(bool)
    scores = np.asarray(scores, dtype=np.float64)
    positives, negatives = labels.sum(), (~labels).sum()
    if positives == 0 or negatives == 0:
        return float("nan")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    start = 0
    while start < len(scores):  # average ranks over runs of equal scores
        end = start
        while end + 1 < len(scores) and sorted_scores[end + 1] == sorted_scores[start]:
            end += 1
        ranks[order[start : end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def roc_curve(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """False and true positive rates at every distinct score, from (0, 0) to (1, 1)."""
    labels = np.asarray(labels).astype(bool)
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="mergesort")
    sorted_scores, sorted_labels = np.asarray(scores)[order], labels[order]
    last_of_run = np.r_[np.diff(sorted_scores) != 0, True]
    tps = np.cumsum(sorted_labels)[last_of_run]
    fps = np.cumsum(~sorted_labels)[last_of_run]
    tpr = np.r_[0.0, tps / max(labels.sum(), 1)]
    fpr = np.r_[0.0, fps / max((~labels).sum(), 1)]
    return fpr, tpr


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray) -> list[list[int]]:
    """``[[tn, fp], [fn, tp]]``."""
    labels, predicted = np.asarray(labels).astype(bool), np.asarray(predicted).astype(bool)
    return [
        [int((~labels & ~predicted).sum()), int((~labels & predicted).sum())],
        [int((labels & ~predicted).sum()), int((labels & predicted).sum())],
    ]


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else 0.0


def binary_metrics(labels: np.ndarray, probabilities: np.ndarray, threshold: float) -> dict:
    """Accuracy, sensitivity, specificity, precision, F1, AUC and confusion at ``threshold``."""
    probabilities = np.asarray(probabilities)
    result = decision_metrics(labels, probabilities >= threshold, probabilities)
    result["threshold"] = float(threshold)
    return result


def decision_metrics(labels: np.ndarray, predicted: np.ndarray, scores: np.ndarray) -> dict:
    """The figures of given decisions (e.g. one threshold per cross-validation fold), AUC of
    the scores."""
    labels = np.asarray(labels)
    (tn, fp), (fn, tp) = matrix = confusion_matrix(labels, predicted)
    precision, sensitivity = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return {
        "n": len(labels),
        "accuracy": _ratio(tp + tn, len(labels)),
        "sensitivity": sensitivity,
        "specificity": _ratio(tn, tn + fp),
        "precision": precision,
        "f1": _ratio(2 * precision * sensitivity, precision + sensitivity),
        "roc_auc": roc_auc(labels, scores),
        "confusion_matrix": matrix,
    }


def _stratified_resamples(labels: np.ndarray, rounds: int, seed: int):
    """Bootstrap row indices, each class resampled within itself (both always present)."""
    labels = np.asarray(labels).astype(bool)
    positives, negatives = np.flatnonzero(labels), np.flatnonzero(~labels)
    rng = np.random.default_rng(seed)
    for _ in range(rounds):
        yield np.r_[rng.choice(positives, len(positives)), rng.choice(negatives, len(negatives))]


def bootstrap_auc_difference(
    labels: np.ndarray, scores: np.ndarray, reference: np.ndarray, rounds: int = 1000, seed: int = 0
) -> tuple[float, float, float]:
    """AUC of ``scores`` minus AUC of ``reference`` on the same labels, and the 95% interval
    of that difference over paired stratified bootstrap resamples (the same rows for both)."""
    labels = np.asarray(labels)
    scores, reference = np.asarray(scores, np.float64), np.asarray(reference, np.float64)
    differences = [
        roc_auc(labels[r], scores[r]) - roc_auc(labels[r], reference[r])
        for r in _stratified_resamples(labels, rounds, seed)
    ]
    low, high = np.percentile(differences, [2.5, 97.5])
    return roc_auc(labels, scores) - roc_auc(labels, reference), float(low), float(high)


def format_table(rows: Mapping[str, Mapping[str, Any]]) -> str:
    """A plain-text metrics table, one row per named result."""
    columns = ("n", "accuracy", "sensitivity", "specificity", "precision", "f1", "roc_auc")
    lines = [f"{'':<22}" + "".join(f"{c:>12}" for c in columns)]
    for name, metrics in rows.items():
        cells = [f"{metrics[c]:>12d}" if c == "n" else f"{metrics[c]:>12.3f}" for c in columns]
        lines.append(f"{name:<22}" + "".join(cells))
    return "\n".join(lines)


# Two-sided 95%: the standard normal's 97.5th percentile.
Z_95 = 1.959963984540054


def wilson_interval(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of a proportion (95% by default); NaNs when ``n`` is 0.

    Unlike the normal approximation it stays inside [0, 1] and is honest for small counts
    and proportions near 0 or 1 (8 of 10: 0.490 to 0.943).
    """
    if n <= 0:
        return float("nan"), float("nan")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def bootstrap_aucs(
    labels: np.ndarray, scores: np.ndarray, *, resamples: int = 1000, seed: int = 0
) -> np.ndarray:
    """ROC AUC of ``resamples`` stratified bootstrap resamples (positives and negatives
    drawn with replacement separately, so each resample keeps both classes' counts).

    Vectorised: each resample is a row of counts over the distinct scores, and its AUC
    (ties counting one half) comes from cumulative sums, so 1000 resamples of a few
    thousand scores take milliseconds.
    """
    labels = np.asarray(labels).astype(bool)
    values, index = np.unique(np.asarray(scores, dtype=np.float64), return_inverse=True)
    rng = np.random.default_rng(seed)
    counts = []
    # Sorted, so that the same reviews give the same interval in any order.
    for members in (np.sort(index[labels]), np.sort(index[~labels])):
        draws = members[rng.integers(0, len(members), size=(resamples, len(members)))]
        rows = draws + np.arange(resamples)[:, np.newaxis] * len(values)
        counts.append(np.bincount(rows.ravel(), minlength=resamples * len(values)))
    positives, negatives = (c.reshape(resamples, len(values)) for c in counts)
    below = np.cumsum(negatives, axis=1) - negatives  # negatives scored strictly lower
    wins = (positives * (below + 0.5 * negatives)).sum(axis=1)
    return wins / (labels.sum() * (~labels).sum())


def bootstrap_auc_interval(
    labels: np.ndarray,
    scores: np.ndarray,
    *,
    resamples: int = 1000,
    seed: int = 0,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile interval of the ROC AUC over stratified bootstrap resamples; NaNs when a
    class is missing."""
    labels = np.asarray(labels).astype(bool)
    if labels.all() or not labels.any():
        return float("nan"), float("nan")
    aucs = bootstrap_aucs(labels, scores, resamples=resamples, seed=seed)
    low, high = np.quantile(aucs, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def reliability_bins(labels: np.ndarray, probabilities: np.ndarray, bins: int = 10) -> list[dict]:
    """Equal-width bins of the stated probability: for each, how many, their mean stated
    probability and the fraction that were positive (None for an empty bin)."""
    labels = np.asarray(labels, dtype=np.float64)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    which = np.clip((probabilities * bins).astype(int), 0, bins - 1)
    table = []
    for bin_index in range(bins):
        inside = which == bin_index
        n = int(inside.sum())
        table.append(
            {
                "low": bin_index / bins,
                "high": (bin_index + 1) / bins,
                "n": n,
                "mean_stated": float(probabilities[inside].mean()) if n else None,
                "observed": float(labels[inside].mean()) if n else None,
            }
        )
    return table


# Below this many reviewed images of either class, figures are shown but not trusted.
MIN_REVIEWS_PER_CLASS = 20


def _finite(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _proportion(successes: int, n: int) -> dict[str, Any]:
    low, high = wilson_interval(successes, n)
    return {
        "value": successes / n if n else None,
        "low": _finite(low),
        "high": _finite(high),
        "count": successes,
        "n": n,
    }


def performance_report(
    labels: np.ndarray,
    probabilities: np.ndarray,
    predicted: np.ndarray,
    *,
    min_per_class: int = MIN_REVIEWS_PER_CLASS,
    resamples: int = 1000,
    seed: int = 0,
    bins: int = 10,
) -> dict[str, Any]:
    """How verdicts (``predicted``) and stated probabilities did against confirmed labels,
    JSON-ready: confusion counts; sensitivity, specificity, precision and accuracy with 95%
    Wilson intervals and the counts behind each; ROC AUC with a seeded 95% stratified
    bootstrap interval; the reliability table; and whether there are enough labels of each
    class (``min_per_class``) to conclude anything. None stands for "cannot be computed".
    """
    labels = np.asarray(labels).astype(bool)
    probabilities = np.asarray(probabilities, dtype=np.float64)
    (tn, fp), (fn, tp) = confusion_matrix(labels, predicted)
    normal, pneumonia = tn + fp, fn + tp
    auc_low, auc_high = bootstrap_auc_interval(
        labels, probabilities, resamples=resamples, seed=seed
    )
    enough = min(normal, pneumonia) >= min_per_class
    return {
        "n": len(labels),
        "normal": normal,
        "pneumonia": pneumonia,
        "enough": enough,
        "note": ""
        if enough
        else (
            f"Too few reviews to conclude: {normal} normal and {pneumonia} pneumonia; at "
            f"least {min_per_class} of each are needed."
        ),
        "confusion_matrix": {"tn": tn, "fp": fp, "fn": fn, "tp": tp},
        "sensitivity": _proportion(tp, tp + fn),
        "specificity": _proportion(tn, tn + fp),
        "precision": _proportion(tp, tp + fp),
        "accuracy": _proportion(tp + tn, len(labels)),
        "roc_auc": {
            "value": _finite(roc_auc(labels, probabilities)) if len(labels) else None,
            "low": _finite(auc_low),
            "high": _finite(auc_high),
            "n": len(labels),
            "resamples": resamples,
        },
        "reliability": reliability_bins(labels, probabilities, bins),
    }
