"""The app's one door to the model: which artifact is active and whether it is usable."""

from __future__ import annotations

from django.conf import settings

from mlcore.card import ArtifactError, ModelCard
from mlcore.inference import Predictor, get_predictor

NO_MODEL_HELP = "No model installed: run `python manage.py train_model --install`."


def current_predictor() -> Predictor:
    return get_predictor(settings.PNEUMO_MODEL_DIR, threads=settings.PNEUMO_TF_THREADS)


def current_card() -> ModelCard | None:
    """The active model's card, or None when no usable artifact is installed."""
    try:
        return current_predictor().card
    except ArtifactError:
        return None
