"""Set the operating threshold for a deploying site from labelled images of that site.

Training picks the threshold on validation images from the training hospital. Another
site's images score differently: on the public half of the official test split, normal
images score higher than the training site's, and the validation threshold keeps 98%
sensitivity at 70% specificity (docs/model.md). With a labelled sample of the site's own
images the same rule (the highest threshold that keeps the target sensitivity) can be
applied to them. The model and its calibration stay as trained; the card gets the new
threshold, the rule that chose it and a version suffix, so every stored result says which
threshold made it. The training threshold is kept in the card and can be restored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from mlcore.artifact import ModelCard, SiteThreshold, ThresholdChoice, read_card, write_card
from mlcore.calibration import borderline_band, choose_threshold
from mlcore.errors import DatasetError, InvalidOption
from mlcore.evaluation import labelled_probabilities
from mlcore.metrics import binary_metrics

MIN_IMAGES_PER_CLASS = 20


@dataclass
class SiteThresholdResult:
    """The new card and the site sample's metrics at the old and the new threshold."""

    card: ModelCard
    before: dict[str, Any]
    after: dict[str, Any]


def set_site_threshold(
    model_dir: Path, data_dir: Path, target_sensitivity: float = 0.95
) -> SiteThresholdResult:
    """Choose the threshold on the labelled images in ``data_dir`` and write it to the card."""
    if not 0.5 <= target_sensitivity <= 1.0:
        raise InvalidOption(
            f"The target sensitivity must be between 0.5 and 1, not {target_sensitivity}."
        )
    card, labels, probs, folder = labelled_probabilities(model_dir, data_dir)
    counts = np.bincount(labels.astype(int), minlength=2)
    if counts.min() < MIN_IMAGES_PER_CLASS:
        raise DatasetError(
            f"{folder} holds {counts[0]} normal and {counts[1]} pneumonia images; a site "
            f"threshold needs at least {MIN_IMAGES_PER_CLASS} of each."
        )
    training = (
        card.site.training
        if card.site
        else ThresholdChoice(card.threshold, card.threshold_rule, card.version, card.band)
    )
    threshold = choose_threshold(labels, probs, target_sensitivity)
    before = binary_metrics(labels, probs, card.threshold)
    after = binary_metrics(labels, probs, threshold)
    card.site = SiteThreshold(training, data=str(folder), before=before, after=after)
    card.threshold = threshold
    card.band = borderline_band(labels, probs, target_sensitivity, "labelled images of the site")
    card.threshold_rule = (
        f"highest threshold with sensitivity >= {target_sensitivity:.0%} on {len(labels)} "
        f"labelled images of the site ({counts[0]} normal, {counts[1]} pneumonia) in "
        f"{folder}, set {datetime.now(UTC):%Y-%m-%d}"
    )
    suffix = hashlib.sha256(f"{threshold:.9f}".encode()).hexdigest()[:6]
    card.version = f"{training.version}+site-{suffix}"
    write_card(model_dir, card)
    return SiteThresholdResult(card, before, after)


def reset_threshold(model_dir: Path) -> ModelCard:
    """Restore the threshold, rule and version training wrote (a no-op if never changed)."""
    card = read_card(model_dir)
    if card.site:
        training = card.site.training
        card.threshold, card.threshold_rule = training.threshold, training.rule
        card.version, card.band = training.version, training.band
        card.site = None
        write_card(model_dir, card)
    return card
