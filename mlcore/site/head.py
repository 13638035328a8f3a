"""A logistic head on pooled features: fitted fast, chosen and checked by grouped CV.

The site adaptation (:mod:`mlcore.site.adaptation`) replaces the model's last layer by an
L2-regularised logistic regression on the pooled features (~2,800 numbers for the
shipped ensemble), fitted on a site's reviewed images plus, optionally, down-weighted
training images. Rows: ``site`` rows are the site's images (grouped by patient, the only
rows ever held out or scored); the other rows are training images, mixed into every fit.

Speed: Newton's method in 2,800 dimensions costs minutes and nested cross-validation
needs hundreds of fits. Each set of rows is standardised and projected on its own
:data:`BASIS_SIZE` leading principal directions (a randomised range finder), computed
from those rows only; every grid point of that set shares it, and Newton's method runs
in the small space. The result is folded back into one weight per pooled feature.
On the shipped model 128 directions give the same held-out AUC as 256 or 512
(BENCHMARKS.md, "Site adaptation and site threshold").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mlcore.stats.calibration import ThresholdRule, fit_platt
from mlcore.stats.metrics import roc_auc, sigmoid

BASIS_SIZE = 128
NEWTON_STEPS = 50
FOLDS = 5


@dataclass(frozen=True)
class HeadData:
    """Pooled features and labels; ``site`` marks the site's rows, ``groups`` their patients."""

    features: np.ndarray  # (n, d)
    labels: np.ndarray  # (n,) 1 = pneumonia
    groups: np.ndarray  # (n,) patient (or scan) of each row; training rows: anything
    site: np.ndarray  # (n,) bool

    @property
    def site_rows(self) -> np.ndarray:
        return np.flatnonzero(self.site)

    @property
    def training_rows(self) -> np.ndarray:
        return np.flatnonzero(~self.site)


@dataclass(frozen=True)
class HeadParams:
    """The L2 strength and the weight of each training row (a site row weighs 1)."""

    l2: float
    train_weight: float


@dataclass(frozen=True)
class LinearHead:
    """``logit = features @ weights + bias``: a ``Dense(1)`` on the pooled features."""

    weights: np.ndarray
    bias: float

    def logits(self, features: np.ndarray) -> np.ndarray:
        return np.asarray(features, dtype=np.float64) @ self.weights + self.bias

    def calibrated(self, slope: float, offset: float) -> LinearHead:
        """Platt scaling ``sigmoid(slope * logit + offset)`` folded into the weights."""
        return LinearHead(self.weights * slope, self.bias * slope + offset)


@dataclass(frozen=True)
class Choice:
    """What inner cross-validation chose, and the out-of-fold probabilities it saw."""

    params: HeadParams
    slope: float
    offset: float
    threshold: float
    auc: float
    labels: np.ndarray
    probabilities: np.ndarray


def grid(l2: Sequence[float], train_weights: Sequence[float]) -> list[HeadParams]:
    return [HeadParams(a, b) for a in l2 for b in train_weights]


def _basis(features: np.ndarray, size: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Mean, scale and the leading principal directions of ``features`` (standardised)."""
    mean = features.mean(axis=0)
    scale = features.std(axis=0) + 1e-6
    standard = (features - mean) / scale
    size = min(size, *standard.shape)
    probe = np.random.default_rng(seed).standard_normal((standard.shape[1], size + 10))
    range_, _ = np.linalg.qr(standard @ probe)
    range_, _ = np.linalg.qr(standard @ (standard.T @ range_))  # one power iteration
    small = range_.T @ standard
    # eigh of a small Gram matrix: numpy's SVD of a wide matrix is needlessly slow here
    values, vectors = np.linalg.eigh(small @ small.T)
    order = np.argsort(values)[::-1][:size]
    directions = small.T @ vectors[:, order] / np.sqrt(np.maximum(values[order], 1e-12))
    return mean, scale, directions


def _newton(design: np.ndarray, labels: np.ndarray, weights: np.ndarray, l2: float) -> np.ndarray:
    """Weighted L2 logistic regression; the last column (the intercept) is not penalised."""
    penalty = np.full(design.shape[1], float(l2))
    penalty[-1] = 1e-8
    params = np.zeros(design.shape[1])
    for _ in range(NEWTON_STEPS):
        p = sigmoid(design @ params)
        gradient = design.T @ (weights * (p - labels)) + penalty * params
        curvature = weights * p * (1 - p)
        hessian = (design * curvature[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        params -= step
        if np.abs(step).max() < 1e-7:
            break
    return params


def fit_heads(data: HeadData, rows: np.ndarray, params: Sequence[HeadParams]) -> list[LinearHead]:
    """One head per ``params``, each fitted on ``rows`` only (basis included)."""
    features = np.asarray(data.features[rows], dtype=np.float64)
    mean, scale, directions = _basis(features, BASIS_SIZE)
    design = np.c_[((features - mean) / scale) @ directions, np.ones(len(rows))]
    labels = np.asarray(data.labels[rows], dtype=np.float64)
    heads = []
    for choice in params:
        weights = np.where(data.site[rows], 1.0, choice.train_weight)
        fitted = _newton(design, labels, weights, choice.l2)
        raw = directions @ fitted[:-1] / scale
        heads.append(LinearHead(raw, float(fitted[-1] - mean @ raw)))
    return heads


def grouped_folds(data: HeadData, rows: np.ndarray, folds: int, seed: int) -> list[np.ndarray]:
    """Split site ``rows`` into folds by group, each group whole, each class spread evenly.

    Groups are dealt round-robin per class (a group's class: its first row's), after a
    seeded shuffle; fewer folds when a class has fewer groups than ``folds``.
    """
    rng = np.random.default_rng(seed)
    first: dict[str, int] = {}
    for row in rows:
        first.setdefault(str(data.groups[row]), int(data.labels[row]))
    by_class = [sorted(g for g, label in first.items() if label == c) for c in (0, 1)]
    count = max(2, min(folds, *(len(groups) for groups in by_class)))
    assignment: dict[str, int] = {}
    offset = 0
    for groups in by_class:
        rng.shuffle(groups)
        for index, group in enumerate(groups):
            assignment[group] = (offset + index) % count
        offset += len(groups)
    fold_of = np.array([assignment[str(data.groups[row])] for row in rows])
    return [np.asarray(rows)[fold_of == fold] for fold in range(count)]


def out_of_fold_logits(
    data: HeadData, rows: np.ndarray, candidates: Sequence[HeadParams], seed: int
) -> np.ndarray:
    """(len(candidates), len(rows)) logits, each row's from heads fitted without its group."""
    position = {row: index for index, row in enumerate(rows)}
    logits = np.zeros((len(candidates), len(rows)))
    for fold in grouped_folds(data, rows, FOLDS, seed):
        kept = np.setdiff1d(rows, fold)
        heads = fit_heads(data, np.r_[kept, data.training_rows], candidates)
        where = [position[row] for row in fold]
        for index, head in enumerate(heads):
            logits[index, where] = head.logits(data.features[fold])
    return logits


def choose(
    data: HeadData,
    rows: np.ndarray,
    candidates: Sequence[HeadParams],
    rule: ThresholdRule,
    seed: int,
) -> Choice:
    """Hyperparameters by out-of-fold AUC, Platt scaling on those scores, the threshold by
    ``rule`` on the calibrated scores."""
    labels = np.asarray(data.labels[rows])
    logits = out_of_fold_logits(data, rows, candidates, seed)
    aucs = [roc_auc(labels, scores) for scores in logits]
    best = int(np.argmax(aucs))  # ties: the first, i.e. the smallest L2 of the grid
    slope, offset = fit_platt(logits[best], labels)
    probabilities = sigmoid(slope * logits[best] + offset)
    threshold = rule.choose(labels, probabilities)
    return Choice(candidates[best], slope, offset, threshold, aucs[best], labels, probabilities)


def final_head(data: HeadData, rows: np.ndarray, choice: Choice) -> LinearHead:
    """The chosen head fitted on every given site row (and the training rows), calibrated."""
    (head,) = fit_heads(data, np.r_[rows, data.training_rows], [choice.params])
    return head.calibrated(choice.slope, choice.offset)


@dataclass(frozen=True)
class HeldOut:
    """Each site row scored by a candidate whose every choice was made without its group."""

    rows: np.ndarray
    labels: np.ndarray
    probabilities: np.ndarray  # calibrated by its fold's inner cross-validation
    thresholds: np.ndarray  # its fold's threshold

    @property
    def predicted(self) -> np.ndarray:
        return self.probabilities >= self.thresholds


def nested_cross_validation(
    data: HeadData,
    candidates: Sequence[HeadParams],
    rule: ThresholdRule,
    seed: int,
    outer: Sequence[np.ndarray] | None = None,
    on_fold: Callable[[int, int], None] | None = None,
) -> HeldOut:
    """Outer folds by group over the site rows; inside each outer training part, inner
    cross-validation chooses (:func:`choose`), then the outer fold is scored."""
    rows = data.site_rows
    outer = list(outer) if outer is not None else grouped_folds(data, rows, FOLDS, seed)
    position = {row: index for index, row in enumerate(rows)}
    probabilities, thresholds = np.zeros(len(rows)), np.zeros(len(rows))
    for number, fold in enumerate(outer):
        kept = np.setdiff1d(rows, fold)
        choice = choose(data, kept, candidates, rule, seed)
        where = [position[row] for row in fold]
        probabilities[where] = sigmoid(final_head(data, kept, choice).logits(data.features[fold]))
        thresholds[where] = choice.threshold
        if on_fold:
            on_fold(number + 1, len(outer))
    return HeldOut(rows, np.asarray(data.labels[rows]), probabilities, thresholds)
