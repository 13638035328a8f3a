"""Adapt the active model to a site from its own labelled images, guarded and versioned.

A site's reviewed images (or a labelled folder) give a new last layer: a logistic head on
the pooled features (:mod:`mlcore.head`), fitted on the site's images plus, when a
training folder is available, a sample of training images with a small weight (chosen by
cross-validation, as is the L2 strength), Platt-calibrated and thresholded by the one rule,
:func:`mlcore.calibration.choose_threshold`. The threshold-only special case keeps the
network and its calibration and only moves the threshold (``set_site_threshold``).

Before anything is installed, nested cross-validation grouped by patient scores every
review with a candidate that never saw it, and the active model is scored on the same
reviews; :func:`guardrail_failures` says whether the candidate may replace it. The new
version is written under the versions folder (:mod:`mlcore.versions`) and activated.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from mlcore import head, versions
from mlcore.artifact import (
    GATE_FILENAME,
    Adaptation,
    Calibration,
    ModelCard,
    load_model,
    model_path,
    read_card,
    write_card,
)
from mlcore.calibration import choose_threshold
from mlcore.dataset import list_samples, load_arrays
from mlcore.errors import DatasetError, InvalidOption, OutOfTime
from mlcore.evaluation import evaluation_folder
from mlcore.imaging import decode_upload, to_model_input
from mlcore.inference import Predictor
from mlcore.metrics import bootstrap_auc_interval, decision_metrics, sigmoid, wilson_interval
from mlcore.model import with_linear_head

HEAD_L2 = (10.0, 30.0, 100.0)
TRAIN_WEIGHTS = (0.02, 0.05, 0.15)
TRAINING_IMAGES = 1000
SCORE_CHUNK = 256  # images per progress line while scoring
Progress = Callable[[str], None]


@dataclass(frozen=True)
class LabelledImages:
    """Model inputs (n, size, size, 1), labels (1 = pneumonia), patient groups, origin."""

    arrays: np.ndarray
    labels: np.ndarray
    groups: np.ndarray
    source: str

    def counts(self) -> dict[str, int]:
        pneumonia = int(np.sum(self.labels == 1))
        return {"normal": len(self.labels) - pneumonia, "pneumonia": pneumonia}


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


@dataclass(frozen=True)
class Options:
    """How to adapt; ``threshold_only``: keep the network, move the threshold."""

    target_sensitivity: float = 0.95
    # Added to the target when the threshold is chosen on out-of-fold scores (0: measured
    # held-out sensitivity was already at the target on average; docs/model.md).
    sensitivity_margin: float = 0.0
    min_per_class: int = 20
    force: bool = False
    max_minutes: float | None = None
    threshold_only: bool = False
    seed: int = 0

    @property
    def threshold_target(self) -> float:
        return min(1.0, self.target_sensitivity + self.sensitivity_margin)


class Clock:
    """Progress lines and the time budget: :class:`OutOfTime` once it is spent."""

    def __init__(self, max_minutes: float | None, progress: Progress | None) -> None:
        self.started = time.monotonic()
        self.max_minutes = max_minutes
        self.progress = progress or (lambda message: None)

    def step(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        if self.max_minutes is not None and elapsed > self.max_minutes * 60:
            raise OutOfTime(
                f"The adaptation ran past --max-minutes {self.max_minutes:g} ({message}); "
                "nothing was installed."
            )
        self.progress(f"[{elapsed:5.0f} s] {message}")


@dataclass
class Candidate:
    """A site version ready to install: its card (version set on install) and head."""

    card: ModelCard
    head: head.LinearHead | None  # None: the threshold-only case
    from_dir: Path
    failures: list[str] = field(default_factory=list)

    @property
    def installable(self) -> bool:
        return not self.failures or self.card.adaptation.forced


def score(predictor: Predictor, images: LabelledImages, clock: Clock) -> tuple[np.ndarray, ...]:
    """Pooled features and raw logits of ``images`` (the compiled forward pass)."""
    features, logits = [], []
    for start in range(0, len(images.arrays), SCORE_CHUNK):
        chunk = images.arrays[start : start + SCORE_CHUNK]
        pooled, raw = predictor.features_and_logits(chunk)
        features.append(pooled)
        logits.append(raw)
        clock.step(f"scored {start + len(chunk)}/{len(images.arrays)} images ({images.source})")
    return np.concatenate(features), np.concatenate(logits)


def figures(labels: np.ndarray, predicted: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    """Decision figures with 95% intervals: Wilson for proportions, bootstrap for the AUC."""
    result = decision_metrics(labels, predicted, scores)
    (tn, fp), (fn, tp) = result["confusion_matrix"]
    result["intervals"] = {
        "sensitivity": wilson_interval(tp, tp + fn),
        "specificity": wilson_interval(tn, tn + fp),
        "accuracy": wilson_interval(tp + tn, len(labels)),
        "roc_auc": bootstrap_auc_interval(labels, scores),
    }
    return result


INSTALL_RULE = (
    "installed only if, on the same held-out reviews, the candidate's ROC AUC is at least the "
    "active model's and the target sensitivity is not above the upper end of the 95% Wilson "
    "interval of the candidate's sensitivity (the data do not show it below the target)"
)


def guardrail_failures(before: dict, after: dict, target: float) -> list[str]:
    """One line per failed check of :data:`INSTALL_RULE`; empty: the candidate may go in."""
    failures = []
    if after["roc_auc"] < before["roc_auc"]:
        failures.append(
            f"held-out ROC AUC {after['roc_auc']:.3f} is below the active model's "
            f"{before['roc_auc']:.3f} on the same reviews"
        )
    low, high = after["intervals"]["sensitivity"]
    if high < target:
        failures.append(
            f"held-out sensitivity {after['sensitivity']:.3f} (95% interval {low:.3f}-"
            f"{high:.3f}) is below the target {target:.3f}"
        )
    return failures


def _held_out_thresholds(data: head.HeadData, probabilities: np.ndarray, options: Options):
    """The threshold-only case's nested estimate: each fold's threshold chosen on the others."""
    thresholds = np.zeros(len(probabilities))
    for fold in head.grouped_folds(data, data.site_rows, head.FOLDS, options.seed):
        kept = np.setdiff1d(data.site_rows, fold)
        thresholds[fold] = choose_threshold(
            data.labels[kept], probabilities[kept], options.threshold_target
        )
    return thresholds


def check_counts(site: LabelledImages, minimum: int) -> None:
    counts = site.counts()
    if min(counts.values()) < minimum:
        raise DatasetError(
            f"{site.source} holds {counts['normal']} normal and {counts['pneumonia']} pneumonia "
            f"images; adapting to the site needs at least {minimum} of each (--min-per-class)."
        )


def adapt(
    model_dir: Path,
    site: LabelledImages,
    training: LabelledImages | None,
    options: Options,
    progress: Progress | None = None,
    clock: Clock | None = None,
) -> Candidate:
    """The candidate site version of the model in ``model_dir``, with its held-out figures
    and the guardrail's verdict (nothing is written)."""
    if not 0.5 <= options.target_sensitivity <= 1.0:
        raise InvalidOption(
            f"The target sensitivity must be between 0.5 and 1, not {options.target_sensitivity}."
        )
    check_counts(site, options.min_per_class)
    clock = clock or Clock(options.max_minutes, progress)
    predictor = Predictor(model_dir)
    active = predictor.card
    clock.step(f"loading model {active.version} from {model_dir}")
    features, logits = score(predictor, site, clock)
    probabilities = sigmoid(logits / active.calibration.temperature)
    before = figures(site.labels, probabilities >= active.threshold, probabilities)
    if options.threshold_only or training is None:
        data = head.HeadData(features, site.labels, site.groups, np.ones(len(logits), bool))
    else:
        extra, _ = score(predictor, training, clock)
        data = head.HeadData(
            np.r_[features, extra],
            np.r_[site.labels, training.labels],
            np.r_[site.groups, training.groups],
            np.r_[np.ones(len(logits), bool), np.zeros(len(extra), bool)],
        )
    if options.threshold_only:
        thresholds = _held_out_thresholds(data, probabilities, options)
        after = figures(site.labels, probabilities >= thresholds, probabilities)
        threshold = choose_threshold(site.labels, probabilities, options.threshold_target)
        new_head, hyperparameters = None, {}
    else:
        after, new_head, threshold, hyperparameters = _fit_head(data, options, clock)
    failures = guardrail_failures(before, after, options.target_sensitivity)
    card = _site_card(active, site, data, options, before, after, threshold, failures)
    card.adaptation.hyperparameters = hyperparameters
    clock.step("candidate ready" + "".join(f"; {failure}" for failure in failures))
    return Candidate(card, new_head, Path(model_dir), failures)


def _fit_head(data: head.HeadData, options: Options, clock: Clock) -> tuple:
    """Held-out figures by nested cross-validation, then the head fitted on every review."""
    weights = TRAIN_WEIGHTS if len(data.training_rows) else (0.0,)
    candidates = head.grid(HEAD_L2, weights)
    target = options.threshold_target
    clock.step(f"nested cross-validation by patient, {len(candidates)} candidate heads")
    held_out = head.nested_cross_validation(
        data,
        candidates,
        target,
        options.seed,
        on_fold=lambda done, total: clock.step(f"outer fold {done}/{total} scored"),
    )
    after = figures(held_out.labels, held_out.predicted, held_out.probabilities)
    choice = head.choose(data, data.site_rows, candidates, target, options.seed)
    final = head.final_head(data, data.site_rows, choice)
    params = choice.params
    clock.step(f"final head: L2 {params.l2:g}, training weight {params.train_weight:g}")
    hyperparameters = {
        "l2": choice.params.l2,
        "train_weight": choice.params.train_weight,
        "grid": {"l2": list(HEAD_L2), "train_weight": list(weights)},
        "basis_size": head.BASIS_SIZE,
        "folds": head.FOLDS,
        "cross_validated_auc": choice.auc,
        "platt": {"slope": choice.slope, "offset": choice.offset},
    }
    return after, final, choice.threshold, hyperparameters


def _site_card(
    active: ModelCard,
    site: LabelledImages,
    data: head.HeadData,
    options: Options,
    before: dict,
    after: dict,
    threshold: float,
    failures: list[str],
) -> ModelCard:
    card = copy.deepcopy(active)
    kind = "threshold" if options.threshold_only else "head"
    counts = site.counts()
    card.threshold = threshold
    card.threshold_rule = (
        f"highest threshold with sensitivity >= {options.threshold_target:.1%} on the "
        f"{'out-of-fold ' if kind == 'head' else ''}calibrated probabilities of "
        f"{len(site.labels)} labelled site images ({counts['normal']} normal, "
        f"{counts['pneumonia']} pneumonia; target {options.target_sensitivity:.1%} + margin "
        f"{options.sensitivity_margin:g})"
    )
    if kind == "head":
        card.calibration = Calibration(
            temperature=1.0,
            method="Platt scaling on the site head's out-of-fold scores, folded into its weights",
        )
    card.site = None
    card.metrics = {"site_held_out": after}
    card.adaptation = Adaptation(
        from_version=active.version,
        kind=kind,
        source=site.source,
        site_images=counts,
        training_images=len(data.training_rows),
        before=before,
        after=after,
        threshold_rule=card.threshold_rule,
        install_rule=INSTALL_RULE,
        checks_failed=tuple(failures),
        forced=options.force,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return card


def install(candidate: Candidate, models_root: Path, shipped_dir: Path) -> ModelCard:
    """Write the candidate as the next site version under ``models_root`` and activate it."""
    card = copy.deepcopy(candidate.card)
    card.version = versions.next_site_version(models_root, card.adaptation.from_version)

    def write(folder: Path) -> None:
        source = candidate.from_dir
        if candidate.head is None:
            model_path(folder).write_bytes(model_path(source).read_bytes())
        else:
            weights, bias = candidate.head.weights, candidate.head.bias
            with_linear_head(load_model(source), weights, bias).save(model_path(folder))
        if (source / GATE_FILENAME).is_file():
            (folder / GATE_FILENAME).write_bytes((source / GATE_FILENAME).read_bytes())
        write_card(folder, card)

    versions.write_version(models_root, card.version, write)
    versions.activate(models_root, card.version, shipped_dir)
    return read_card(Path(models_root) / card.version)
