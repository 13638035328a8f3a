"""Adapt the active model to a site from its own labelled images, guarded and versioned.

A site's reviewed images (or a labelled folder) give a new last layer: a logistic head on
the pooled features (:mod:`mlcore.site.head`), fitted on the site's images plus, when a
training folder is available, a sample of training images with a small weight (chosen by
cross-validation, as is the L2 strength), Platt-calibrated and thresholded by the one rule,
:func:`mlcore.stats.calibration.choose_threshold` (the site's target sensitivity, and its
specificity floor when both can be kept). The threshold-only special case keeps the
network and its calibration and only moves the threshold (``set_site_threshold``).

Before anything is installed, nested cross-validation grouped by patient scores every
review with a candidate that never saw it, and the active model is scored on the same
reviews; :func:`guardrail_failures` says whether the candidate may replace it. The new
version is written under the versions folder (:mod:`mlcore.artifact.versions`) and activated.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from mlcore.artifact import versions
from mlcore.artifact.card import SITE_CALIBRATION, Adaptation, Calibration, ModelCard
from mlcore.artifact.files import GATE_FILENAMES, load_model, model_path, read_card, write_card
from mlcore.errors import DatasetError, InvalidOption, OutOfTime
from mlcore.model.inference import Predictor
from mlcore.model.networks import with_linear_head
from mlcore.site import head
from mlcore.site.guardrail import INSTALL_RULE, figures, guardrail_failures
from mlcore.site.labelled import LabelledImages, Scored
from mlcore.stats.calibration import ThresholdRule, borderline_band
from mlcore.stats.metrics import sigmoid

HEAD_L2 = (10.0, 30.0, 100.0)
TRAIN_WEIGHTS = (0.02, 0.05, 0.15)
TRAINING_IMAGES = 1000
SCORE_CHUNK = 256  # images per progress line while scoring
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    """How to adapt; ``threshold_only``: keep the network, move the threshold."""

    target_sensitivity: float = 0.95
    # Added to the target when the threshold is chosen on out-of-fold scores (0: measured
    # held-out sensitivity was already at the target on average: python -m
    # bench.site_adaptation).
    sensitivity_margin: float = 0.0
    # The specificity the threshold keeps as well when the site's scores allow both (None:
    # sensitivity alone); python -m bench.site_adaptation measures what it changes.
    min_specificity: float | None = 0.90
    min_per_class: int = 20
    force: bool = False
    max_minutes: float | None = None
    threshold_only: bool = False
    seed: int = 0

    @property
    def threshold_rule(self) -> ThresholdRule:
        target = min(1.0, self.target_sensitivity + self.sensitivity_margin)
        return ThresholdRule(target, self.min_specificity)


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


def score(predictor: Predictor, images: LabelledImages, clock: Clock) -> Scored:
    """Pooled features and raw logits of ``images`` (the compiled forward pass)."""
    features, logits = [], []
    for start in range(0, len(images.arrays), SCORE_CHUNK):
        chunk = images.arrays[start : start + SCORE_CHUNK]
        pooled, raw = predictor.features_and_logits(chunk)
        features.append(pooled)
        logits.append(raw)
        clock.step(f"scored {start + len(chunk)}/{len(images.arrays)} images ({images.source})")
    return Scored(
        np.concatenate(features),
        np.concatenate(logits),
        images.labels,
        images.groups,
        images.source,
    )


def _held_out_thresholds(data: head.HeadData, probabilities: np.ndarray, options: Options):
    """The threshold-only case's nested estimate: each fold's threshold chosen on the others."""
    thresholds = np.zeros(len(probabilities))
    for fold in head.grouped_folds(data, data.site_rows, head.FOLDS, options.seed):
        kept = np.setdiff1d(data.site_rows, fold)
        thresholds[fold] = options.threshold_rule.choose(data.labels[kept], probabilities[kept])
    return thresholds


def check_counts(site: LabelledImages | Scored, minimum: int) -> None:
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
    check_counts(site, options.min_per_class)
    clock = clock or Clock(options.max_minutes, progress)
    predictor = Predictor(model_dir)
    clock.step(f"loading model {predictor.card.version} from {model_dir}")
    scored = score(predictor, site, clock)
    mixed = None
    if training is not None and not options.threshold_only:
        mixed = score(predictor, training, clock)
    return adapt_scored(Path(model_dir), predictor.card, scored, mixed, options, clock)


def adapt_scored(
    model_dir: Path,
    active: ModelCard,
    site: Scored,
    training: Scored | None,
    options: Options,
    clock: Clock,
) -> Candidate:
    """:func:`adapt` once the images are scored by the active model (its card: ``active``)."""
    if not 0.5 <= options.target_sensitivity <= 1.0:
        raise InvalidOption(
            f"The target sensitivity must be between 0.5 and 1, not {options.target_sensitivity}."
        )
    check_counts(site, options.min_per_class)
    probabilities = sigmoid(site.logits / active.calibration.temperature)
    before = figures(site.labels, probabilities >= active.threshold, probabilities)
    mixed = training if training is not None and not options.threshold_only else None
    data = head.HeadData(
        np.r_[site.features, mixed.features] if mixed else site.features,
        np.r_[site.labels, mixed.labels] if mixed else site.labels,
        np.r_[site.groups, mixed.groups] if mixed else site.groups,
        np.arange(len(site.labels) + (len(mixed.labels) if mixed else 0)) < len(site.labels),
    )
    if options.threshold_only:
        thresholds = _held_out_thresholds(data, probabilities, options)
        after = figures(site.labels, probabilities >= thresholds, probabilities, probabilities)
        threshold = options.threshold_rule.choose(site.labels, probabilities)
        new_head, hyperparameters = None, {}
        band_scores = (site.labels, probabilities)
    else:
        after, new_head, choice, hyperparameters = _fit_head(data, probabilities, options, clock)
        threshold, band_scores = choice.threshold, (choice.labels, choice.probabilities)
    failures = guardrail_failures(before, after, options.target_sensitivity)
    card = _site_card(active, site, data, options, before, after, threshold, failures)
    # The borderline band, by the training's rule, on the scores that chose the threshold.
    rule = options.threshold_rule
    card.band = borderline_band(
        *band_scores, rule.target_sensitivity, "site images", rule.min_specificity
    )
    card.adaptation.hyperparameters = hyperparameters
    clock.step("candidate ready" + "".join(f"; {failure}" for failure in failures))
    return Candidate(card, new_head, model_dir, failures)


def _fit_head(data: head.HeadData, active: np.ndarray, options: Options, clock: Clock) -> tuple:
    """Held-out figures by nested cross-validation (``active``: the active model's
    probabilities of the site rows, to compare with), then the head fitted on every review."""
    weights = TRAIN_WEIGHTS if len(data.training_rows) else (0.0,)
    candidates = head.grid(HEAD_L2, weights)
    rule = options.threshold_rule
    clock.step(f"nested cross-validation by patient, {len(candidates)} candidate heads")
    held_out = head.nested_cross_validation(
        data,
        candidates,
        rule,
        options.seed,
        on_fold=lambda done, total: clock.step(f"outer fold {done}/{total} scored"),
    )
    after = figures(held_out.labels, held_out.predicted, held_out.probabilities, active)
    choice = head.choose(data, data.site_rows, candidates, rule, options.seed)
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
    return after, final, choice, hyperparameters


def _site_card(
    active: ModelCard,
    site: Scored,
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
        f"{options.threshold_rule} on the "
        f"{'out-of-fold ' if kind == 'head' else ''}calibrated probabilities of "
        f"{len(site.labels)} labelled site images ({counts['normal']} normal, "
        f"{counts['pneumonia']} pneumonia; target {options.target_sensitivity:.1%} + margin "
        f"{options.sensitivity_margin:g})"
    )
    if kind == "head":
        card.calibration = Calibration(temperature=1.0, method=SITE_CALIBRATION)
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


def install(candidate: Candidate, models_root: Path) -> ModelCard:
    """Write the candidate as the next site version under ``models_root`` (activating it is
    the caller's: it keeps which version is active)."""
    card = copy.deepcopy(candidate.card)
    card.version = versions.next_site_version(models_root, card.adaptation.from_version)

    def write(folder: Path) -> None:
        source = candidate.from_dir
        if candidate.head is None:
            model_path(folder).write_bytes(model_path(source).read_bytes())
        else:
            weights, bias = candidate.head.weights, candidate.head.bias
            with_linear_head(load_model(source), weights, bias).save(model_path(folder))
        for name in GATE_FILENAMES:
            if (source / name).is_file():
                (folder / name).write_bytes((source / name).read_bytes())
        write_card(folder, card)

    versions.write_version(models_root, card.version, write)
    return read_card(Path(models_root) / card.version)
