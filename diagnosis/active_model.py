"""The app's one door to mlcore: which artifact is active, its card, whether it is usable.

Views and the API never import mlcore; they come through here or through the services.

The active model is the version the pointer in ``PNEUMO_MODEL_VERSIONS_DIR`` names
(:mod:`mlcore.artifact.versions`), else ``PNEUMO_MODEL_DIR``. Each request costs one ``os.stat`` of
the pointer: when another process activates a version, this worker's next prediction uses
it and the old model is dropped, without a restart.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from django.conf import settings

from diagnosis.errors import ModelUnavailable
from mlcore.artifact import versions
from mlcore.artifact.card import ModelCard
from mlcore.artifact.files import default_model_dir
from mlcore.decode.dicom import decodable_transfer_syntaxes
from mlcore.errors import ArtifactError
from mlcore.model.inference import Predictor, drop_predictor, get_predictor
from mlcore.model.saliency import strength_note
from mlcore.stats.metrics import performance_report

logger = logging.getLogger(__name__)

NO_MODEL_HELP = "No model installed: run `python manage.py train_model --install`."
# A pointer rewritten within this many ns of its last read may share its stat with the
# old one (coarse file-system clocks, reused inode numbers): read it again until then.
RACY_WINDOW_NS = 2_000_000_000

__all__ = [
    "NO_MODEL_HELP",
    "ModelCard",
    "active_model_dir",
    "calibrated_for_site",
    "current_card",
    "current_predictor",
    "decodable_transfer_syntaxes",
    "load_model_now",
    "models_root",
    "performance_report",
    "saliency_note",
    "shipped_model_dir",
]

saliency_note = strength_note  # a scan's kept map: "weak", "diffuse" or "" (clear, none)

_seen: dict[str, object] = {"key": None, "folder": None}
_seen_lock = threading.Lock()


def models_root() -> Path:
    return Path(settings.PNEUMO_MODEL_VERSIONS_DIR)


def shipped_model_dir() -> Path:
    """The model the site was configured with (PNEUMO_MODEL_DIR), by default the shipped one."""
    return default_model_dir(settings.PNEUMO_MODEL_DIR or "")


def active_model_dir() -> Path:
    """The active version's folder; the pointer is read again only when its stat changes."""
    root, shipped = models_root(), shipped_model_dir()
    stamp = versions.pointer_stamp(root)
    key = (root, shipped, stamp)
    with _seen_lock:
        racy = stamp is not None and time.time_ns() - stamp[0] < RACY_WINDOW_NS
        if key != _seen["key"] or racy:
            try:
                folder = versions.active_model_dir(root, shipped)
            except ArtifactError as exc:  # a hand-edited pointer: no verdicts until fixed
                logger.error("%s", exc)
                folder = versions.pointer_path(root)
            if _seen["folder"] not in (None, folder):
                logger.info("Active model switched from %s to %s", _seen["folder"], folder)
                drop_predictor(_seen["folder"])
            _seen.update(key=key, folder=folder)
        return _seen["folder"]


def current_predictor() -> Predictor:
    return get_predictor(active_model_dir(), threads=settings.PNEUMO_TF_THREADS)


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
