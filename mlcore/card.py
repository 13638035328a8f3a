"""The model artifact: a folder with ``model.keras`` and ``model_card.json``.

The card is the one source of the facts the app needs to use the model (input size,
class names, preprocessing, threshold, calibration) and of what it can tell users
about it (version, metrics, training data).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MODEL_FILENAME = "model.keras"
CARD_FILENAME = "model_card.json"
CLASS_NAMES = ("normal", "pneumonia")


class ArtifactError(RuntimeError):
    """The model artifact is missing or cannot be read."""


@dataclass
class ModelCard:
    """What ``model_card.json`` holds. The model outputs one logit for "pneumonia"."""

    version: str
    input_size: int
    threshold: float = 0.5
    temperature: float = 1.0
    equalize: bool = False
    class_names: tuple[str, ...] = CLASS_NAMES
    backbone: str = "cnn"
    parameters: int = 0
    created_at: str = ""
    threshold_rule: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        payload = asdict(self)
        payload["class_names"] = list(self.class_names)
        return json.dumps(payload, indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, payload: dict[str, Any]) -> ModelCard:
        known = {name for name in cls.__dataclass_fields__}
        values = {key: value for key, value in payload.items() if key in known}
        if "class_names" in values:
            values["class_names"] = tuple(values["class_names"])
        return cls(**values)


def card_path(model_dir: Path) -> Path:
    return Path(model_dir) / CARD_FILENAME


def model_path(model_dir: Path) -> Path:
    return Path(model_dir) / MODEL_FILENAME


def read_card(model_dir: Path) -> ModelCard:
    """Read the card of the artifact in ``model_dir``; :class:`ArtifactError` if absent."""
    path = card_path(model_dir)
    if not path.is_file() or not model_path(model_dir).is_file():
        raise ArtifactError(
            f"No model installed in {model_dir}: run `python manage.py train_model --install`."
        )
    try:
        return ModelCard.from_dict(json.loads(path.read_text()))
    except (ValueError, TypeError) as exc:
        raise ArtifactError(f"The model card {path} cannot be read: {exc}") from None


def write_card(model_dir: Path, card: ModelCard) -> Path:
    path = card_path(model_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(card.to_json() + "\n")
    return path
