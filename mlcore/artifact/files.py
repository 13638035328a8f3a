"""An artifact's folder: its files, where the active one lives, how one is installed.

A folder holds ``model.keras``, ``model_card.json`` (:mod:`mlcore.artifact.card`), the
gate's ``ood.npz`` and ``ood_layout.npz`` and the plots.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

from mlcore.artifact.card import GATE_FILENAME, LAYOUT_GATE_FILENAME, ModelCard
from mlcore.errors import ArtifactError

logger = logging.getLogger(__name__)

MODEL_FILENAME = "model.keras"
CARD_FILENAME = "model_card.json"
GATE_FILENAMES = (GATE_FILENAME, LAYOUT_GATE_FILENAME)
PLOT_FILENAMES = ("roc.png", "confusion.png", "reliability.png")

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHIPPED_MODEL_DIR = PROJECT_ROOT / "mlcore" / "shipped_model"
MODEL_DIR_ENV = "PNEUMO_MODEL_DIR"


def model_path(model_dir: Path) -> Path:
    return Path(model_dir) / MODEL_FILENAME


def gate_path(model_dir: Path, filename: str = GATE_FILENAME) -> Path:
    return Path(model_dir) / filename


def default_model_dir(configured: str | None = None) -> Path:
    """The active model's folder: ``configured`` (settings pass ``$PNEUMO_MODEL_DIR``), else
    that variable, else the model shipped in ``mlcore/shipped_model``."""
    if configured is None:
        configured = os.environ.get(MODEL_DIR_ENV)
    return Path(configured) if configured else SHIPPED_MODEL_DIR


def read_card(model_dir: Path) -> ModelCard:
    """Read the card of the artifact in ``model_dir``; :class:`ArtifactError` if absent."""
    path = Path(model_dir) / CARD_FILENAME
    if not path.is_file() or not model_path(model_dir).is_file():
        raise ArtifactError(
            f"No model installed in {model_dir}: run `python manage.py train_model --install`."
        )
    try:
        payload = json.loads(path.read_text())
    except (ValueError, OSError) as exc:
        raise ArtifactError(f"The model card {path} cannot be read: {exc}") from None
    try:
        return ModelCard.from_dict(payload)
    except ArtifactError as exc:
        raise ArtifactError(f"The model card {path} cannot be read: {exc}.") from None


def write_card(model_dir: Path, card: ModelCard) -> Path:
    """Write the card in the current schema, atomically (a reader never sees half a card)."""
    path = Path(model_dir) / CARD_FILENAME
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(card.to_json() + "\n")
    temporary.replace(path)
    return path


def load_model(model_dir: Path):
    """The artifact's Keras model, uncompiled (imports TensorFlow)."""
    import keras

    return keras.saving.load_model(model_path(model_dir), compile=False)


def file_version(path: Path) -> str:
    """Date + short hash of the model file: the model version."""
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:8]
    return f"{datetime.now(UTC):%Y.%m.%d}-{digest}"


def install(source: Path, target: Path | None = None) -> Path:
    """Copy an artifact into the app's model folder, each file atomically, card last (the
    app keys on it)."""
    source, target = Path(source), Path(target) if target else default_model_dir()
    target.mkdir(parents=True, exist_ok=True)
    for name in (MODEL_FILENAME, *GATE_FILENAMES, *PLOT_FILENAMES, CARD_FILENAME):
        if (source / name).is_file():
            shutil.copy2(source / name, target / f".{name}.tmp")
            (target / f".{name}.tmp").replace(target / name)
    logger.info("Installed the model into %s", target)
    return target
