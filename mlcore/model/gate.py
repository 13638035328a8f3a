"""Is this a chest X-ray at all? Two Mahalanobis gates, on the model's pooled features and
on the picture's coarse layout.

A classifier asked about a photo or a blank frame still answers "normal" or "pneumonia".
At training time we fit a Gaussian to the pooled features (the input of the logit layer)
of the training X-rays, and another to their layout (:func:`layout_features`: brightness
on a 12x12 grid, edge strength on a 6x6 grid of the model's input), and set each cut-off
at a high percentile of the validation images' distances. An image farther than either
cut-off gets no verdict. The pooled features were fine-tuned to rank pneumonia, not to
tell radiographs from photographs: real photographs land just under their cut-off,
while every frontal chest X-ray has the same layout (dark lungs either side of
a bright spine, under bright shoulders), which real photographs, other modalities and
drawings do not share. The layout gate costs no network, microseconds per image and 50 kB.
The parameters live in the artifact's ``ood.npz`` and ``ood_layout.npz``, cut-offs and
rules in the card.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlcore.artifact.card import Gate
from mlcore.artifact.files import (
    GATE_FILENAME,
    LAYOUT_GATE_FILENAME,
    gate_path,
    load_model,
    read_card,
    write_card,
)
from mlcore.model.networks import features_and_logits_model

logger = logging.getLogger(__name__)

# Cut-offs, as percentiles of the validation images' distances. The layout gate is the one
# that separates real pictures from X-rays (by how much: python -m mlcore.cli.gate
# --report-only, docs/model.md); the features' gate, which lets photographs through just
# under a 99.5th percentile, is kept as a backstop for pictures with an X-ray's layout,
# at the farthest validation image.
DEFAULT_PERCENTILE = 100.0
DEFAULT_LAYOUT_PERCENTILE = 99.8
# Shrink the covariance towards its mean variance: a few thousand images cannot
# estimate a well-conditioned covariance of hundreds of features on their own.
SHRINKAGE = 0.1
# Directions of largest variance kept exactly; the rest share one variance (probabilistic
# PCA). An ensemble has ~2,800 features: a full precision matrix would weigh 63 MB.
MAX_COMPONENTS = 256
LAYOUT_COMPONENTS = 64
# The layout: mean brightness on a grid of this many blocks a side, edge strength on a
# coarser one (the texture of lung fields and ribs vs a photograph's or a drawing's).
LAYOUT_BLOCKS = 12
TEXTURE_BLOCKS = 6


@dataclass
class FeatureGaussian:
    """A Gaussian with covariance ``W diag(variances) W^T + residual_variance (I - W W^T)``."""

    mean: np.ndarray
    components: np.ndarray  # (features, k), orthonormal columns
    variances: np.ndarray  # (k,)
    residual_variance: float
    threshold: float = float("inf")

    def distance(self, features: np.ndarray) -> np.ndarray:
        """Mahalanobis distance of each row of ``features`` from the training mean."""
        centred = np.asarray(features, dtype=np.float64) - self.mean
        projected = centred @ self.components
        inside = np.sum(projected**2 / self.variances, axis=1)
        residual = (np.sum(centred**2, axis=1) - np.sum(projected**2, axis=1)).clip(0)
        return np.sqrt(inside + residual / self.residual_variance)

    def save(self, path: Path) -> Path:
        np.savez(
            path,
            mean=self.mean.astype(np.float32),
            components=self.components.astype(np.float32),
            variances=self.variances,
            residual_variance=self.residual_variance,
            threshold=self.threshold,
        )
        return path

    @classmethod
    def load(cls, path: Path) -> FeatureGaussian | None:
        if not path.is_file():
            return None
        with np.load(path) as stored:
            return cls(
                stored["mean"].astype(np.float64),
                stored["components"].astype(np.float64),
                stored["variances"],
                float(stored["residual_variance"]),
                float(stored["threshold"]),
            )


def fit_gaussian(
    train_features: np.ndarray,
    val_features: np.ndarray,
    *,
    percentile: float = DEFAULT_PERCENTILE,
    shrinkage: float = SHRINKAGE,
    max_components: int = MAX_COMPONENTS,
) -> FeatureGaussian:
    """Fit on training features; the cut-off is the validation distances' percentile."""
    features = np.asarray(train_features, dtype=np.float64)
    mean = features.mean(axis=0)
    covariance = np.atleast_2d(np.cov(features, rowvar=False))
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)  # ascending
    target = eigenvalues.mean()
    shrunk = (1 - shrinkage) * eigenvalues.clip(0) + shrinkage * target
    kept = min(max_components, len(shrunk))
    rest = shrunk[: len(shrunk) - kept]
    gaussian = FeatureGaussian(
        mean,
        eigenvectors[:, -kept:],
        shrunk[-kept:],
        float(rest.mean()) if len(rest) else 1.0,  # no residual space: any value
    )
    gaussian.threshold = float(np.percentile(gaussian.distance(val_features), percentile))
    return gaussian


def _block_means(pixels: np.ndarray, blocks: int) -> np.ndarray:
    """Means of ``pixels`` (n, size, size) over a ``blocks`` x ``blocks`` grid, flattened."""
    size = pixels.shape[1]
    starts = np.linspace(0, size, blocks + 1).astype(int)[:-1]
    sums = np.add.reduceat(np.add.reduceat(pixels, starts, axis=1), starts, axis=2)
    counts = np.diff(np.append(starts, size))
    return (sums / np.outer(counts, counts)).reshape(len(pixels), -1)


def layout_features(images: np.ndarray) -> np.ndarray:
    """What a chest X-ray looks like from afar, for model inputs (n, size, size, 1):
    brightness on a :data:`LAYOUT_BLOCKS` grid, edge strength on a :data:`TEXTURE_BLOCKS` one."""
    pixels = np.asarray(images, dtype=np.float64)[..., 0]
    edges = np.zeros_like(pixels)
    edges[:, :-1, :-1] = (
        np.abs(np.diff(pixels, axis=2))[:, :-1] + np.abs(np.diff(pixels, axis=1))[:, :, :-1]
    )
    return np.hstack([_block_means(pixels, LAYOUT_BLOCKS), _block_means(edges, TEXTURE_BLOCKS)])


@dataclass
class Gates:
    """An artifact's gates: an image is recognised when no gate puts it beyond its cut-off."""

    features: FeatureGaussian | None
    layout: FeatureGaussian | None

    @classmethod
    def load(cls, model_dir: Path) -> Gates:
        return cls(
            FeatureGaussian.load(gate_path(model_dir, GATE_FILENAME)),
            FeatureGaussian.load(gate_path(model_dir, LAYOUT_GATE_FILENAME)),
        )

    def distances(
        self, images: np.ndarray, features: np.ndarray
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Each gate's distances of model inputs ``images`` with pooled ``features``."""
        return (
            self.features.distance(features) if self.features else None,
            self.layout.distance(layout_features(images)) if self.layout else None,
        )

    def recognised(self, feature_distance: float | None, layout_distance: float | None) -> bool:
        return (feature_distance is None or feature_distance <= self.features.threshold) and (
            layout_distance is None or layout_distance <= self.layout.threshold
        )


def batched_features(model, images: np.ndarray, batch_size: int = 64) -> np.ndarray:
    """Pooled features of many images, in batches, without ``predict()``'s overhead."""
    both = features_and_logits_model(model)
    chunks = [
        np.asarray(both(images[start : start + batch_size], training=False)[0])
        for start in range(0, len(images), batch_size)
    ]
    return np.concatenate(chunks)


def fit_for_artifact(
    model_dir: Path,
    train_images: np.ndarray,
    val_images: np.ndarray,
    *,
    percentile: float = DEFAULT_PERCENTILE,
    layout_percentile: float = DEFAULT_LAYOUT_PERCENTILE,
    model=None,
) -> Gates:
    """Fit both gates for the artifact in ``model_dir`` and record them in its card."""
    card = read_card(model_dir)
    model = model or load_model(model_dir)
    gates = Gates(
        fit_gaussian(
            batched_features(model, train_images),
            batched_features(model, val_images),
            percentile=percentile,
        ),
        fit_gaussian(
            layout_features(train_images),
            layout_features(val_images),
            percentile=layout_percentile,
            max_components=LAYOUT_COMPONENTS,
        ),
    )
    gates.features.save(gate_path(model_dir, GATE_FILENAME))
    gates.layout.save(gate_path(model_dir, LAYOUT_GATE_FILENAME))
    fitted_on = f"fitted on {len(train_images)} training images"
    card.gate = Gate(
        threshold=gates.features.threshold,
        method="Mahalanobis distance of pooled features, covariance shrinkage "
        f"{SHRINKAGE}, top {len(gates.features.variances)} principal directions kept, " + fitted_on,
        rule=f"{percentile} percentile of {len(val_images)} validation images' distances "
        f"(layout: {layout_percentile} percentile)",
        layout_threshold=gates.layout.threshold,
        layout_method=f"Mahalanobis distance of the input's brightness on a {LAYOUT_BLOCKS}x"
        f"{LAYOUT_BLOCKS} grid and edge strength on a {TEXTURE_BLOCKS}x{TEXTURE_BLOCKS} grid, "
        f"top {len(gates.layout.variances)} principal directions kept, " + fitted_on,
        layout_file=LAYOUT_GATE_FILENAME,
    )
    write_card(model_dir, card)
    logger.info(
        "Out-of-distribution cut-offs %.2f and %.2f",
        gates.features.threshold,
        gates.layout.threshold,
    )
    return gates
