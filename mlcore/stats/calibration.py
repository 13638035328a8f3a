"""Calibration and the operating threshold, in plain numpy.

Platt scaling (a logistic regression on the logits) makes the probabilities honest; the
threshold rule picks the operating point (the highest threshold that keeps a target
sensitivity, or, for a site that also sets a specificity floor, the threshold with the
widest margin over both where both can be kept); the expected calibration error
measures how honest they are. Training applies them to validation images, a deploying
site to its own labelled images.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from mlcore.artifact.card import Band
from mlcore.stats.metrics import sigmoid

logger = logging.getLogger(__name__)

ECE_BINS = 15
PLATT_SLOPE_RANGE = (0.05, 5.0)


def _nll(params: np.ndarray, features: np.ndarray, labels: np.ndarray) -> float:
    z = features @ params
    return float(np.mean(np.logaddexp(0.0, z) - labels * z))


def fit_platt(logits: np.ndarray, labels: np.ndarray, steps: int = 100) -> tuple[float, float]:
    """Logistic regression ``p = sigmoid(a * logit + b)``: damped Newton, slope kept in range.

    The slope is bounded because nearly separable validation scores would otherwise send it
    to infinity (probabilities of exactly 0 or 1, which no screening model deserves).
    """
    labels = np.asarray(labels, dtype=np.float64)
    features = np.stack([np.asarray(logits, dtype=np.float64), np.ones(len(logits))], axis=1)
    params = np.array([1.0, 0.0])
    for _ in range(steps):
        p = sigmoid(features @ params)
        gradient = features.T @ (p - labels) / len(labels)
        hessian = features.T @ (features * (p * (1 - p))[:, None]) / len(labels)
        step = np.linalg.solve(hessian + 1e-6 * np.eye(2), gradient)
        size, current = 1.0, _nll(params, features, labels)
        while size > 1e-4:  # backtracking: only accept steps that lower the loss
            candidate = params - size * step
            candidate[0] = np.clip(candidate[0], *PLATT_SLOPE_RANGE)
            if _nll(candidate, features, labels) < current:
                break
            size /= 2
        else:
            break
        if np.abs(candidate - params).max() < 1e-9:
            params = candidate
            break
        params = candidate
    if params[0] in PLATT_SLOPE_RANGE:
        logger.warning("Platt slope %.3g hit its bound.", params[0])
    return float(params[0]), float(params[1])


@dataclass(frozen=True)
class ThresholdRule:
    """How an operating threshold is chosen from labelled scores: :func:`choose_threshold`."""

    target_sensitivity: float
    min_specificity: float | None = None

    def choose(self, labels: np.ndarray, probs: np.ndarray) -> float:
        return choose_threshold(labels, probs, self.target_sensitivity, self.min_specificity)

    def __str__(self) -> str:
        sensitivity = f"sensitivity >= {self.target_sensitivity:.1%}"
        if self.min_specificity is None:
            return f"highest threshold with {sensitivity}"
        return (
            f"{sensitivity} and specificity >= {self.min_specificity:.1%} with the widest "
            f"margin (in standard errors) where both hold, else the highest threshold with "
            f"{sensitivity}"
        )


def choose_threshold(
    labels: np.ndarray,
    probs: np.ndarray,
    target_sensitivity: float,
    min_specificity: float | None = None,
) -> float:
    """The highest threshold (hence best specificity) whose sensitivity is >= the target.

    With ``min_specificity`` (a deploying site's floor): when some thresholds keep both the
    target sensitivity and that specificity on these scores, the one farthest from missing
    either, in binomial standard errors of each (:func:`_widest_margin`), since the scores
    of new patients will move both; when none does, the sensitivity rule alone (sensitivity
    comes first). The threshold is placed halfway to the next lower score, so that the rule
    does not hinge on one exact value.
    """
    labels = np.asarray(labels).astype(bool)
    probs = np.asarray(probs)
    positives = np.sort(probs[labels])[::-1]
    if len(positives) == 0:
        return 0.5
    cutoff = None
    if min_specificity is not None and not labels.all():
        cutoff = _widest_margin(labels, probs, target_sensitivity, min_specificity)
    if cutoff is None:
        needed = min(max(int(np.ceil(target_sensitivity * len(positives))), 1), len(positives))
        cutoff = positives[needed - 1]
    below = probs[probs < cutoff]
    return float((cutoff + below.max()) / 2) if len(below) else float(cutoff)


def _widest_margin(
    labels: np.ndarray, probs: np.ndarray, target_sensitivity: float, min_specificity: float
) -> float | None:
    """The score that, used as the threshold, keeps sensitivity >= its target and
    specificity >= its floor with the largest smaller margin, each margin in standard errors
    of a proportion at its target over its class count; None when no score keeps both."""
    candidates = np.unique(probs)
    positives, negatives = np.sort(probs[labels]), np.sort(probs[~labels])
    sensitivity = 1.0 - np.searchsorted(positives, candidates) / len(positives)
    specificity = np.searchsorted(negatives, candidates) / len(negatives)
    margin = np.minimum(
        _in_standard_errors(sensitivity, target_sensitivity, len(positives)),
        _in_standard_errors(specificity, min_specificity, len(negatives)),
    )
    best = int(np.argmax(margin))  # ties: the lowest threshold, the more sensitive
    return float(candidates[best]) if margin[best] >= 0 else None


def _in_standard_errors(observed: np.ndarray, target: float, count: int) -> np.ndarray:
    spread = np.sqrt(max(target * (1.0 - target), 1e-4) / count)
    return (observed - target) / spread


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


BAND_RESAMPLES = 1000
BAND_LEVEL = 0.95


def threshold_band(
    labels: np.ndarray,
    probs: np.ndarray,
    target_sensitivity: float,
    *,
    min_specificity: float | None = None,
    resamples: int = BAND_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """The borderline band: the central 95% of the thresholds :func:`choose_threshold`
    picks on bootstrap resamples of these labelled scores.

    A score inside it could land on either side of a cut-off chosen by the same rule on
    another sample of the same size: the verdict is not settled by the data behind it.
    Always contains the threshold chosen on all the scores.
    """
    labels, probs = np.asarray(labels), np.asarray(probs)
    rule = ThresholdRule(target_sensitivity, min_specificity)
    rng = np.random.default_rng(seed)
    chosen = [
        rule.choose(labels[pick], probs[pick])
        for pick in (rng.integers(0, len(labels), len(labels)) for _ in range(resamples))
    ]
    tail = (1.0 - BAND_LEVEL) / 2 * 100
    low, high = np.percentile(chosen, [tail, 100 - tail])
    threshold = rule.choose(labels, probs)
    return float(min(low, threshold)), float(max(high, threshold))


def borderline_band(
    labels: np.ndarray,
    probs: np.ndarray,
    target_sensitivity: float,
    where: str,
    min_specificity: float | None = None,
) -> Band:
    """:func:`threshold_band` of labelled scores, with its rule in words (``where``: whose
    images they are, e.g. "validation images")."""
    low, high = threshold_band(labels, probs, target_sensitivity, min_specificity=min_specificity)
    rule = ThresholdRule(target_sensitivity, min_specificity)
    words = (
        f"central {BAND_LEVEL:.0%} of the thresholds that the rule ({rule}) picks on "
        f"{BAND_RESAMPLES} bootstrap resamples of {len(labels)} {where}"
    )
    return Band(low, high, words)
