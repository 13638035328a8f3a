"""What a model says about labelled images, as the app would see it.

The model is called directly in batches (as the app does, never ``predict()``), and
images are read with the dataset's loader, which is the app's decoding and preprocessing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from mlcore.artifact.card import ModelCard
from mlcore.artifact.files import load_model, read_card
from mlcore.data.dataset import detect_layout, has_class_dirs, list_samples, load_arrays
from mlcore.errors import DatasetError
from mlcore.stats.metrics import binary_metrics, sigmoid

logger = logging.getLogger(__name__)


def predict_logits(model, images: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Logits for ``images``, calling the model directly as the app does."""
    outputs = [
        np.asarray(model(images[start : start + batch_size], training=False)).reshape(-1)
        for start in range(0, len(images), batch_size)
    ]
    return np.concatenate(outputs) if outputs else np.zeros(0)


def probabilities(model, images: np.ndarray, temperature: float) -> np.ndarray:
    return sigmoid(predict_logits(model, images) / temperature)


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
    """The Keras model and its card (:class:`mlcore.errors.ArtifactError` if absent)."""
    card = read_card(model_dir)
    return load_model(model_dir), card


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
    return card, labels, probabilities(model, images, card.calibration.temperature), folder


def evaluate_artifact(model_dir: Path, data_dir: Path) -> dict[str, Any]:
    """Metrics of the artifact in ``model_dir`` on a folder, preprocessed as the app does."""
    card, labels, probs, folder = labelled_probabilities(model_dir, data_dir)
    result = binary_metrics(labels, probs, card.threshold)
    result["at_0.5"] = binary_metrics(labels, probs, 0.5)
    result["model_version"] = card.version
    result["data"] = str(folder)
    return result
