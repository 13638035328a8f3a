"""Is this a chest X-ray at all? A Mahalanobis gate on the model's pooled features.

A classifier asked about a photo or a blank frame still answers "normal" or "pneumonia".
At training time we fit a Gaussian to the pooled features (the input of the logit layer)
of the training X-rays, and set the cut-off at a high percentile of the validation
images' distances. At prediction time an image farther than the cut-off gets no verdict.

Run on an existing artifact: ``python -m mlcore.ood --model DIR --data-dir PATH``.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlcore.card import ArtifactError, model_path, read_card, write_card

logger = logging.getLogger(__name__)

OOD_FILENAME = "ood.npz"
POOL_LAYER = "pool"
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
        path = Path(model_dir) / OOD_FILENAME
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
        path = Path(model_dir) / OOD_FILENAME
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


def features_and_logits_model(model):
    """The classifier with a second output: its pooled features.

    Those are the outputs of the layers named ``pool`` (one model) or ``m<i>_pool`` (the
    members of an ensemble, concatenated); failing those, the logit layer's input.
    """
    import keras

    from mlcore.model import LOGIT_LAYER

    pools = [
        layer.output
        for layer in model.layers
        if layer.name == POOL_LAYER or re.fullmatch(rf"m\d+_{POOL_LAYER}", layer.name)
    ]
    if not pools:
        features = model.get_layer(LOGIT_LAYER).input
    elif len(pools) == 1:
        features = pools[0]
    else:
        features = keras.layers.Concatenate(name="ood_features")(pools)
    return keras.Model(model.input, [features, model.output])


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
    import keras

    card = read_card(model_dir)
    model = model or keras.saving.load_model(model_path(model_dir), compile=False)
    gaussian = fit_gaussian(
        batched_features(model, train_images),
        batched_features(model, val_images),
        percentile=percentile,
    )
    gaussian.save(model_dir)
    card.extra["ood"] = {
        "file": OOD_FILENAME,
        "method": "Mahalanobis distance of pooled features, covariance shrinkage "
        f"{SHRINKAGE}, top {len(gaussian.variances)} principal directions kept, "
        f"fitted on {len(train_images)} training images",
        "threshold": gaussian.threshold,
        "rule": f"{percentile} percentile of {len(val_images)} validation images' distances",
    }
    write_card(model_dir, card)
    logger.info("Out-of-distribution cut-off %.2f (%s)", gaussian.threshold, card.extra["ood"])
    return gaussian


def flag_rate(model_dir: Path, images: np.ndarray) -> float:
    """Share of ``images`` the artifact's gate would call "not recognised"."""
    from mlcore.inference import Predictor

    predictor = Predictor(model_dir)
    flagged = sum(
        not prediction.recognised
        for start in range(0, len(images), 64)
        for prediction in predictor.predict_arrays(list(images[start : start + 64]))
    )
    return flagged / len(images)


def main(argv: list[str] | None = None) -> int:
    from mlcore.dataset import DatasetError, detect_layout, load_arrays, make_splits

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="artifact folder")
    parser.add_argument("--data-dir", type=Path, required=True, help="Kaggle-layout folder")
    parser.add_argument("--percentile", type=float, default=DEFAULT_PERCENTILE)
    parser.add_argument(
        "--report-only", action="store_true", help="only report the gate's flag rates"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        card = read_card(args.model)
        seed = card.training.get("config", {}).get("seed", 42)
        splits = make_splits(detect_layout(args.data_dir), seed=int(seed))
        arrays = {
            name: load_arrays(getattr(splits, name), card.input_size, equalize=card.equalize)[0]
            for name in ("train", "val", "test")
            if getattr(splits, name)
        }
        if not args.report_only:
            fit_for_artifact(args.model, arrays["train"], arrays["val"], percentile=args.percentile)
        from mlcore.imaging import to_model_input
        from mlcore.testing import not_xray_images

        arrays["generated non-X-rays"] = np.stack(
            [
                to_model_input(image.convert("L"), card.input_size, equalize=card.equalize)
                for image in not_xray_images(400).values()
            ]
        )
        for name in ("val", "test", "generated non-X-rays"):
            if name in arrays:
                rate = flag_rate(args.model, arrays[name])
                logger.info("Flagged as not a chest X-ray: %.1f%% of %s", 100 * rate, name)
    except (ArtifactError, DatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
