"""The app's one door to mlcore: which artifact is active, its card, whether it is usable.

Views and the API never import mlcore; they come through here or through the services.
"""

from __future__ import annotations

from django.conf import settings

from diagnosis.errors import ModelUnavailable
from mlcore.artifact import ModelCard
from mlcore.errors import ArtifactError
from mlcore.inference import Predictor, get_predictor
from mlcore.metrics import performance_report
from mlcore.saliency import DIFFUSE_AREA, WEAK_LOGIT_DROP

NO_MODEL_HELP = "No model installed: run `python manage.py train_model --install`."

__all__ = [
    "DIFFUSE_AREA",
    "NO_MODEL_HELP",
    "WEAK_LOGIT_DROP",
    "ModelCard",
    "calibrated_for_site",
    "current_card",
    "current_predictor",
    "load_model_now",
    "performance_report",
]


def current_predictor() -> Predictor:
    return get_predictor(settings.PNEUMO_MODEL_DIR, threads=settings.PNEUMO_TF_THREADS)


def current_card() -> ModelCard | None:
    """The active model's card, or None when no usable artifact is installed."""
    try:
        return current_predictor().card
    except ArtifactError:
        return None


def load_model_now() -> ModelCard:
    """Load the active model (the readiness check); ModelUnavailable says why it cannot."""
    predictor = current_predictor()
    try:
        predictor.ensure_loaded()
    except ArtifactError as exc:
        raise ModelUnavailable(str(exc)) from exc
    return predictor.card


def calibrated_for_site(card: ModelCard | None, version: str) -> bool:
    """Whether the model that judged a scan (``version``) is the active one and its card
    says its calibration was adapted to this site: only then is its score a probability
    here. (Adapted versions record how in ``card.adaptation``; older cards have no such
    field.)"""
    return (
        card is not None
        and card.version == version
        and getattr(card, "adaptation", None) is not None
    )
