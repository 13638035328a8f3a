"""The artifact's figures: ROC curves, a confusion matrix, a reliability diagram."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from mlcore.stats.calibration import ECE_BINS, expected_calibration_error
from mlcore.stats.metrics import roc_auc, roc_curve


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _saved(plt, figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def plot_roc(curves: Mapping[str, tuple[np.ndarray, np.ndarray]], path: Path) -> Path:
    """ROC curves, one per named (labels, probabilities) pair."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(5, 5))
    for name, (labels, scores) in curves.items():
        fpr, tpr = roc_curve(labels, scores)
        axes.plot(fpr, tpr, label=f"{name} (AUC {roc_auc(labels, scores):.3f})")
    axes.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    axes.set(xlabel="1 - specificity", ylabel="sensitivity", title="ROC")
    axes.legend(loc="lower right")
    return _saved(plt, figure, path)


def plot_confusion(matrix: list[list[int]], path: Path, title: str) -> Path:
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(4, 3.6))
    axes.imshow(np.asarray(matrix), cmap="Blues")
    for row in range(2):
        for col in range(2):
            axes.text(col, row, str(matrix[row][col]), ha="center", va="center", fontsize=14)
    axes.set(
        xticks=[0, 1], yticks=[0, 1], xticklabels=["normal", "pneumonia"],
        yticklabels=["normal", "pneumonia"], xlabel="predicted", ylabel="true", title=title,
    )  # fmt: skip
    return _saved(plt, figure, path)


def plot_reliability(
    labels: np.ndarray, named_probabilities: Mapping[str, np.ndarray], path: Path
) -> Path:
    """Observed pneumonia frequency against predicted probability, per equal-width bin."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(5, 5))
    edges = np.linspace(0, 1, ECE_BINS + 1)
    for name, probs in named_probabilities.items():
        index = np.minimum((probs * ECE_BINS).astype(int), ECE_BINS - 1)
        used = [b for b in range(ECE_BINS) if (index == b).any()]
        axes.plot(
            [probs[index == b].mean() for b in used],
            [labels[index == b].mean() for b in used],
            marker="o",
            label=f"{name} (ECE {expected_calibration_error(labels, probs):.3f})",
        )
    axes.plot(edges, edges, color="grey", linestyle=":", linewidth=1)
    axes.set(xlabel="predicted probability", ylabel="observed frequency", title="Reliability")
    axes.legend(loc="upper left")
    return _saved(plt, figure, path)
