"""The app's one door to mlcore: which artifact is active, its card, whether it is usable.

Views and the API never import mlcore; they come through here or through the services.

The active model is the version the database names (one ActiveModel row, shared by every
machine), its files in ``PNEUMO_MODEL_VERSIONS_DIR`` (:mod:`mlcore.artifact.versions`), or
``PNEUMO_MODEL_DIR`` for ``shipped``. Each prediction reads that row (one query by primary
key): when any machine activates a version, every worker's next prediction uses it and the
old model is dropped, without a restart. A machine that lacks the version's files refuses
(503 saying so, and an error in its log) rather than judge with another model.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from django import db
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy

from accounts import audit
from diagnosis.errors import ModelUnavailable
from diagnosis.models import ActiveModel
from mlcore.artifact import versions
from mlcore.artifact.card import ModelCard
from mlcore.artifact.files import default_model_dir
from mlcore.decode.dicom import decodable_transfer_syntaxes
from mlcore.errors import ArtifactError
from mlcore.model.inference import Predictor, drop_predictor, get_predictor
from mlcore.model.saliency import strength_note
from mlcore.stats.metrics import performance_report

logger = logging.getLogger(__name__)

NO_MODEL_HELP = gettext_lazy("No model installed: run `python manage.py train_model --install`.")

__all__ = [
    "NO_MODEL_HELP",
    "ModelCard",
    "activate",
    "active_model_dir",
    "active_name",
    "card_of_version",
    "current_card",
    "current_model_dir",
    "current_predictor",
    "decodable_transfer_syntaxes",
    "load_model_now",
    "models_root",
    "performance_report",
    "relation_to_active",
    "saliency_note",
    "score_is_probability",
    "shipped_model_dir",
    "warm_up",
    "warming_up",
]

saliency_note = strength_note  # a scan's kept map: "weak", "diffuse" or "" (clear, none)

_seen: dict[str, Path | None] = {"folder": None}
_seen_lock = threading.Lock()


def models_root() -> Path:
    return Path(settings.PNEUMO_MODEL_VERSIONS_DIR)


def shipped_model_dir() -> Path:
    """The model the site was configured with (PNEUMO_MODEL_DIR), by default the shipped one."""
    return default_model_dir(settings.PNEUMO_MODEL_DIR or "")


def active_name() -> str:
    """The active version's name, as every machine reads it ("shipped" until one is
    activated)."""
    name = ActiveModel.objects.filter(pk=ActiveModel.ONLY).values_list("name", flat=True)
    return name.first() or versions.SHIPPED


def activate(name: str, *, by: str) -> ModelCard:
    """Make version ``name`` (or "shipped") the active model on every machine: each
    worker's next prediction uses it. ArtifactError when it cannot be activated."""
    card = versions.activatable(models_root(), name, shipped_model_dir())
    with transaction.atomic():
        ActiveModel.objects.update_or_create(
            pk=ActiveModel.ONLY, defaults={"name": name, "changed_by": by[:150]}
        )
        audit.record(audit.Action.MODEL_ACTIVATE, detail=f"{name} ({card.version}) by {by}")
    logger.info("Model version %s (%s) activated by %s", name, card.version, by)
    return card


def active_model_dir() -> Path:
    """The active version's folder on this machine (VersionNotInstalled without one)."""
    name = active_name()
    try:
        folder = versions.installed_model_dir(models_root(), name, shipped_model_dir())
    except ArtifactError as exc:  # no verdicts here until this machine has it
        logger.error("%s", exc)
        raise
    with _seen_lock:
        if _seen["folder"] not in (None, folder):
            logger.info("Active model switched from %s to %s", _seen["folder"], folder)
            drop_predictor(_seen["folder"])
        _seen["folder"] = folder
    return folder


def current_model_dir() -> Path | None:
    """The active model's folder on this machine, or None without one (for the pages)."""
    try:
        return active_model_dir()
    except ArtifactError:
        return None


def current_predictor() -> Predictor:
    return get_predictor(active_model_dir(), threads=settings.PNEUMO_TF_THREADS)


def current_card() -> ModelCard | None:
    """The active model's card, or None when no usable artifact is installed."""
    try:
        return current_predictor().card
    except ArtifactError:
        return None


# The worker's warm start (gunicorn.conf.py): "" (none began), "loading", "ready", "failed".
_warm_start = {"state": ""}


def warm_up() -> threading.Thread:
    """Load the active model in the background, as a web worker starts, so that no upload
    pays the load; the readiness check answers "loading" meanwhile."""
    _warm_start["state"] = "loading"

    def load() -> None:
        try:
            card = load_model_now()
        except Exception as exc:  # no model, no database yet: the first upload says why
            _warm_start["state"] = "failed"
            logger.error("Warm start: the model cannot be loaded: %s", exc)
            return
        finally:
            db.connection.close()  # this thread's own connection
        _warm_start["state"] = "ready"
        logger.info("Warm start: model %s ready", card.version)

    thread = threading.Thread(target=load, name="model-warm-start", daemon=True)
    thread.start()
    return thread


def warming_up() -> bool:
    """Whether this worker is still loading its model at start."""
    return _warm_start["state"] == "loading"


def load_model_now() -> ModelCard:
    """Load the active model (the readiness check); ModelUnavailable says why it cannot."""
    try:
        predictor = current_predictor()
        predictor.ensure_loaded()
    except ArtifactError as exc:
        raise ModelUnavailable(str(exc)) from exc
    return predictor.card


# Cards by version: a version's card never changes once installed (only hits are kept:
# a version may be installed later, by another machine).
_cards: dict[tuple[Path, Path, str], ModelCard] = {}


def card_of_version(version: str) -> ModelCard | None:
    """The card of the model version that judged a scan (its ``model_version``), or None
    when this machine has no such version."""
    root, shipped = models_root(), shipped_model_dir()
    if (root, shipped, version) not in _cards:
        for candidate in versions.list_versions(root, shipped):
            if candidate.card is not None:
                _cards.setdefault((root, shipped, candidate.card.version), candidate.card)
    return _cards.get((root, shipped, version))


def score_is_probability(version: str) -> bool:
    """Whether the scores of model ``version`` are probabilities at this site: its
    calibration was fitted on the site's reviews. Each scan is described by the model that
    judged it, whichever is active now."""
    card = card_of_version(version)
    return card is not None and card.calibrated_at_site()


def relation_to_active(version: str) -> str:
    """How a scan's model stands to the one judging now: active, older or newer (installed
    before or after the active version), or unknown (not on this machine)."""
    order = [
        v.card.version
        for v in versions.list_versions(models_root(), shipped_model_dir())
        if v.card is not None
    ]
    active = current_card()
    if active is None or version not in order or active.version not in order:
        return "unknown"
    if version == active.version:
        return "active"
    return "older" if order.index(version) < order.index(active.version) else "newer"
