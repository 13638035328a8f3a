"""Is this a chest X-ray at all? A Mahalanobis gate on the model's pooled features.

A classifier asked about a photo or a blank frame still answers "normal" or "pneumonia".
At training time we fit a Gaussian to the pooled features (the input of the logit layer)
of the training X-rays, and set the cut-off at a high percentile of the validation
images' distances. At prediction time an image farther than the cut-off gets no verdict.
The gate's parameters live in the artifact's ``ood.npz``, its cut-off and rule in the card.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlcore.artifact import Gate, gate_path, load_model, read_card, write_card
from mlcore.model import features_and_logits_model

logger = logging.getLogger(__name__)

DEFAULT_PERCENTILE = 99.5
# Shrink the covariance towards its mean variance: a few thousand images cannot
# estimate a well-conditioned covariance of hundreds of features on their own.
SHRINKAGE = 0.1
# Directions of largest variance kept exactly; the rest share one variance (probabilistic
# PCA). An ensemble has ~2,800 features: a full precision matrix would weigh 63 MB.
MAX_COMPONENTS = 256


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

    def save(self, model_dir: Path) -> Path:
        path = gate_path(model_dir)
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
    def load(cls, model_dir: Path) -> FeatureGaussian | None:
        path = gate_path(model_dir)
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
    model=None,
) -> FeatureGaussian:
    """Fit the gate for the artifact in ``model_dir`` and record it in its card."""
    card = read_card(model_dir)
    model = model or load_model(model_dir)
    gaussian = fit_gaussian(
        batched_features(model, train_images),
        batched_features(model, val_images),
        percentile=percentile,
    )
    gaussian.save(model_dir)
    card.gate = Gate(
        threshold=gaussian.threshold,
        method="Mahalanobis distance of pooled features, covariance shrinkage "
        f"{SHRINKAGE}, top {len(gaussian.variances)} principal directions kept, "
        f"fitted on {len(train_images)} training images",
        rule=f"{percentile} percentile of {len(val_images)} validation images' distances",
    )
    write_card(model_dir, card)
    logger.info("Out-of-distribution cut-off %.2f (%s)", gaussian.threshold, card.gate)
    return gaussian
