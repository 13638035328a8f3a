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


def wilson_interval(successes: int, total: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion (95% by default); (0, 1) when empty."""
    if total == 0:
        return 0.0, 1.0
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * np.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def _stratified_resamples(labels: np.ndarray, rounds: int, seed: int):
    """Bootstrap row indices, each class resampled within itself (both always present)."""
    labels = np.asarray(labels).astype(bool)
    positives, negatives = np.flatnonzero(labels), np.flatnonzero(~labels)
    rng = np.random.default_rng(seed)
    for _ in range(rounds):
        yield np.r_[rng.choice(positives, len(positives)), rng.choice(negatives, len(negatives))]


def bootstrap_auc_interval(
    labels: np.ndarray, scores: np.ndarray, rounds: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """The 2.5 and 97.5 percentiles of the ROC AUC over stratified bootstrap resamples."""
    labels, scores = np.asarray(labels), np.asarray(scores, dtype=np.float64)
    if len(set(labels.tolist())) < 2:
        return float("nan"), float("nan")
    values = [roc_auc(labels[r], scores[r]) for r in _stratified_resamples(labels, rounds, seed)]
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


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
