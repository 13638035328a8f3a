"""A site's labelled images: from its reviewed uploads or a labelled folder, as model inputs
(prepared exactly as the app prepares uploads) and as scored by a model."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlcore.artifact.card import ModelCard
from mlcore.data.dataset import list_samples, load_arrays
from mlcore.decode.pictures import to_model_input
from mlcore.decode.upload import decode_upload
from mlcore.evaluation.predictions import evaluation_folder


@dataclass(frozen=True)
class LabelledImages:
    """Model inputs (n, size, size, 1), labels (1 = pneumonia), patient groups, origin."""

    arrays: np.ndarray
    labels: np.ndarray
    groups: np.ndarray
    source: str

    def counts(self) -> dict[str, int]:
        return class_counts(self.labels)


@dataclass(frozen=True)
class Scored:
    """Labelled images as the model sees them: pooled features and raw logits."""

    features: np.ndarray
    logits: np.ndarray
    labels: np.ndarray
    groups: np.ndarray
    source: str

    def counts(self) -> dict[str, int]:
        return class_counts(self.labels)

    def subset(self, rows: np.ndarray) -> Scored:
        return Scored(
            self.features[rows],
            self.logits[rows],
            self.labels[rows],
            self.groups[rows],
            self.source,
        )


def class_counts(labels: np.ndarray) -> dict[str, int]:
    pneumonia = int(np.sum(np.asarray(labels) == 1))
    return {"normal": len(labels) - pneumonia, "pneumonia": pneumonia}


def images_from_folder(folder: Path, card: ModelCard, count: int | None = None) -> LabelledImages:
    """A labelled folder (NORMAL/ and PNEUMONIA/, or its test/ split), patients from file
    names; ``count``: a seeded sample of that many, classes in their proportions."""
    folder = evaluation_folder(folder)
    samples = list_samples(folder)
    if count is not None and count < len(samples):
        rng = np.random.default_rng(0)
        labels = np.array([sample.label for sample in samples])
        chosen = []
        for label in (0, 1):
            members = np.flatnonzero(labels == label)
            share = round(count * len(members) / len(samples))
            chosen += list(rng.choice(members, share, replace=False))
        samples = [samples[index] for index in sorted(chosen)]
    arrays, labels = load_arrays(samples, card.input_size, equalize=card.equalize)
    groups = np.array([sample.patient for sample in samples])
    return LabelledImages(arrays, labels, groups, str(folder))


def images_from_uploads(
    items: Iterable[tuple[bytes, int, str]], card: ModelCard, source: str = "reviews"
) -> LabelledImages:
    """Stored uploads (bytes, label, group): decoded and prepared as the app prepares them."""
    arrays, labels, groups = [], [], []
    for data, label, group in items:
        image = decode_upload(data).image
        arrays.append(to_model_input(image, card.input_size, equalize=card.equalize))
        labels.append(label)
        groups.append(group)
    size = card.input_size
    stacked = np.stack(arrays) if arrays else np.zeros((0, size, size, 1), np.float32)
    return LabelledImages(stacked, np.array(labels, float), np.array(groups, str), source)
