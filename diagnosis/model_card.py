"""What the model card page and `GET /api/model/` tell about the active model."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.utils.translation import gettext_lazy as _

from diagnosis.active_model import ModelCard, card_of_version
from diagnosis.models import to_score

PLOT_LABELS = {
    "roc": _("ROC curve"),
    "confusion": _("Confusion matrix"),
    "reliability": _("Reliability (calibration)"),
}
METRIC_NAMES = ("accuracy", "sensitivity", "specificity", "precision", "f1", "roc_auc")
SPLIT_LABELS = {
    "val": _("Validation (carved from train/ by patient)"),
    "test": _("Test (official test split, public half)"),
    # a site version (adapt_to_site): its figures on the site's reviews, each held out
    "site_held_out": _("This site's reviews, each held out (nested cross-validation by patient)"),
}
HEATMAP_METHOD = _(
    "Occlusion saliency: each square region (a quarter of the model's input side, every "
    "eighth) is blurred in turn and the drop of the verdict's logit is measured; red marks "
    "the regions the verdict depends on most. Whether the map follows what the model uses "
    "(blurring an image's own salient regions against another image's) is measured by "
    "python -m bench.saliency: see BENCHMARKS.md."
)
INTENDED_USE = _(
    "Research and triage support: flagging chest X-rays that may show pneumonia for a "
    "clinician's review. Not a diagnosis and not a medical device."
)
LIMITATIONS = _(
    "Trained on the Kermany et al. (2018) dataset: pediatric patients aged 1 to 5 years, "
    "frontal chest X-rays from one hospital (Guangzhou Women and Children's Medical Center), "
    "labels by two physicians (a third checked the evaluation set). Adults, other hospitals, "
    "other devices and lateral views are outside what it was trained on; images that look "
    "unlike its training data are flagged 'not recognised' instead of answered."
)


def metric_rows(card: ModelCard) -> list[dict[str, Any]]:
    """One row per evaluated split: at the chosen threshold, then at 0.5."""
    rows = []
    for split, label in SPLIT_LABELS.items():
        metrics = card.metrics.get(split)
        if not isinstance(metrics, dict):
            continue
        for suffix, values in (("", metrics), (_(" at 0.5"), metrics.get("at_0.5"))):
            if isinstance(values, dict):
                rows.append(
                    {
                        "split": f"{label}{suffix}",
                        "n": values.get("n"),
                        **{name: values.get(name) for name in METRIC_NAMES},
                        "confusion_matrix": values.get("confusion_matrix"),
                    }
                )
    return rows


def card_summary(card: ModelCard | None) -> dict[str, Any] | None:
    """Plain data (JSON-ready) about the active model, or None without a model."""
    if card is None:
        return None
    training = card.provenance.training
    return {
        "version": card.version,
        "backbone": card.provenance.backbone,
        "input_size": card.input_size,
        "parameters": card.provenance.parameters,
        "created_at": card.provenance.created_at,
        "class_names": list(card.class_names),
        "threshold": card.threshold,
        "threshold_rule": card.threshold_rule,
        "cutoff": to_score(card.threshold),
        "band": _band(card),
        "calibrated_for_site": card.calibrated_at_site(),
        "temperature": card.calibration.temperature,
        "histogram_equalisation": card.equalize,
        "calibration": card.calibration.report(),
        "adaptation": _adaptation(card),
        "metrics": metric_rows(card),
        "heatmap": HEATMAP_METHOD,
        "data": card.provenance.data,
        "training": {
            key: training[key]
            for key in ("fit_minutes", "total_minutes", "epochs_run", "best_epoch")
            if key in training
        },
        "out_of_distribution": dict(sorted(asdict(card.gate).items())) if card.gate else None,
        "intended_use": INTENDED_USE,
        "limitations": LIMITATIONS,
    }


COMPARED = ("roc_auc", "sensitivity", "specificity", "accuracy")


def _held_out(figures: dict) -> dict[str, Any]:
    """A version's figures on the site's held-out reviews, each with its 95% interval."""
    intervals = figures.get("intervals", {})
    return {
        name: {"value": figures.get(name), "interval": intervals.get(name)} for name in COMPARED
    }


def _adaptation(card: ModelCard) -> dict[str, Any] | None:
    """How a site version was made and how it compared with the version it came from on
    the same held-out reviews; with that version's own evaluation (its card's)."""
    adaptation = card.adaptation
    if adaptation is None:
        return None
    base = card_of_version(adaptation.from_version)
    return {
        "from_version": adaptation.from_version,
        "kind": adaptation.kind,
        "created_at": adaptation.created_at,
        "source": adaptation.source,
        "site_images": adaptation.site_images,
        "training_images": adaptation.training_images,
        "before": _held_out(adaptation.before),
        "after": _held_out(adaptation.after),
        "threshold_rule": adaptation.threshold_rule,
        "install_rule": adaptation.install_rule,
        "forced": adaptation.forced,
        "checks_failed": list(adaptation.checks_failed),
        "reviewers": adaptation.reviewers,
        "left_out": adaptation.left_out,
        "base_metrics": metric_rows(base) if base is not None else [],
    }


def _band(card: ModelCard) -> dict[str, Any] | None:
    """The borderline band on both scales: probabilities and 0-100 scores."""
    if card.band is None:
        return None
    band = card.band
    return {**asdict(band), "low_score": to_score(band.low), "high_score": to_score(band.high)}
