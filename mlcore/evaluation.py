"""Metrics, plots and the evaluation of an installed artifact.

Everything here is numpy (scikit-learn is not a dependency). Labels: 1 = pneumonia.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from mlcore.card import ModelCard, model_path, read_card
from mlcore.dataset import DatasetError, detect_layout, has_class_dirs, list_samples, load_arrays

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ECE_BINS = 15


def default_model_dir() -> Path:
    """``$PNEUMO_MODEL_DIR``, else ``mlcore/artifacts`` (where the app looks)."""
    configured = os.environ.get("PNEUMO_MODEL_DIR")
    return Path(configured) if configured else PROJECT_ROOT / "mlcore" / "artifacts"


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
    labels = np.asarray(labels)
    probabilities = np.asarray(probabilities)
    (tn, fp), (fn, tp) = matrix = confusion_matrix(labels, probabilities >= threshold)
    precision, sensitivity = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    return {
        "n": len(labels),
        "accuracy": _ratio(tp + tn, len(labels)),
        "sensitivity": sensitivity,
        "specificity": _ratio(tn, tn + fp),
        "precision": precision,
        "f1": _ratio(2 * precision * sensitivity, precision + sensitivity),
        "roc_auc": roc_auc(labels, probabilities),
        "threshold": float(threshold),
        "confusion_matrix": matrix,
    }


def expected_calibration_error(
    labels: np.ndarray, probabilities: np.ndarray, bins: int = ECE_BINS
) -> float:
    """Weighted mean gap between predicted probability and observed frequency, equal-width bins."""
    labels, probabilities = np.asarray(labels), np.asarray(probabilities)
    index = np.minimum((probabilities * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        members = index == b
        if members.any():
            error += members.mean() * abs(probabilities[members].mean() - labels[members].mean())
    return float(error)


def predict_logits(model, images: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Logits for ``images``, calling the model directly as the app does."""
    outputs = [
        np.asarray(model(images[start : start + batch_size], training=False)).reshape(-1)
        for start in range(0, len(images), batch_size)
    ]
    return np.concatenate(outputs) if outputs else np.zeros(0)


def probabilities(model, images: np.ndarray, temperature: float) -> np.ndarray:
    return sigmoid(predict_logits(model, images) / temperature)


def format_table(rows: Mapping[str, Mapping[str, Any]]) -> str:
    """A plain-text metrics table, one row per named result."""
    columns = ("n", "accuracy", "sensitivity", "specificity", "precision", "f1", "roc_auc")
    lines = [f"{'':<22}" + "".join(f"{c:>12}" for c in columns)]
    for name, metrics in rows.items():
        cells = [f"{metrics[c]:>12d}" if c == "n" else f"{metrics[c]:>12.3f}" for c in columns]
        lines.append(f"{name:<22}" + "".join(cells))
    return "\n".join(lines)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


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
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


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
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


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
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def evaluation_folder(path: Path) -> Path:
    """The folder to evaluate: ``path`` itself if it holds the classes, else its ``test/``."""
    path = Path(path)
    if has_class_dirs(path):
        return path
    layout = detect_layout(path)
    if layout.test is None:
        raise DatasetError(f"{layout.root} has no test/NORMAL and test/PNEUMONIA folders.")
    return layout.test


def load_artifact(model_dir: Path) -> tuple[Any, ModelCard]:
    """The Keras model and its card (:class:`mlcore.card.ArtifactError` if absent)."""
    import keras

    card = read_card(model_dir)
    return keras.models.load_model(model_path(model_dir), compile=False), card


def labelled_probabilities(
    model_dir: Path, data_dir: Path
) -> tuple[ModelCard, np.ndarray, np.ndarray, Path]:
    """The card, labels and calibrated probabilities of a labelled folder, as the app sees it."""
    folder = evaluation_folder(data_dir)
    samples = list_samples(folder)
    if not samples:
        raise DatasetError(f"No images in {folder}/NORMAL or {folder}/PNEUMONIA.")
    model, card = load_artifact(model_dir)
    images, labels = load_arrays(samples, card.input_size, equalize=card.equalize)
    return card, labels, probabilities(model, images, card.temperature), folder


def evaluate_artifact(model_dir: Path, data_dir: Path) -> dict[str, Any]:
    """Metrics of the artifact in ``model_dir`` on a folder, preprocessed as the app does."""
    card, labels, probs, folder = labelled_probabilities(model_dir, data_dir)
    result = binary_metrics(labels, probs, card.threshold)
    result["at_0.5"] = binary_metrics(labels, probs, 0.5)
    result["model_version"] = card.version
    result["data"] = str(folder)
    return result
