"""The training recipe: every choice a run makes, with the shipped model's as defaults."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from mlcore.artifact.files import PROJECT_ROOT
from mlcore.errors import ModelBuildError

AUGMENTATIONS = ("none", "light", "strong", "framing")


@dataclass
class TrainConfig:
    data_dir: Path | None = None
    download: bool = False
    force_download: bool = False
    # The shipped model's recipe (docs/model.md; its training time: BENCHMARKS.md).
    backbone: str = "mobilenet_v2,cnn,mobilenet_v2"
    weights: str | None = "imagenet"
    epochs: int = 12
    image_size: int = 96
    batch_size: int = 32
    seed: int = 42
    output: Path | None = None
    install: bool = False
    max_minutes: float | None = None
    target_sensitivity: float = 0.95
    equalize: bool = True
    augment: str = "strong"
    crop: float = 1.0
    learning_rate: float = 5e-4
    patience: int = 5
    val_fraction: float = 0.15


def default_output_dir(config: TrainConfig) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return PROJECT_ROOT / "runs" / f"{stamp}-{config.backbone}-{config.image_size}"


def weights_option(value: str) -> str | None:
    """``--weights`` value -> a weights name or file, ``None`` for "none" or empty."""
    return None if value.strip().lower() in ("", "none") else value


def members(config: TrainConfig) -> list[tuple[str, str | None]]:
    """(backbone, weights) per ensemble member: both options take comma-separated lists."""
    backbones = [name.strip() for name in config.backbone.split(",")]
    weights = [weights_option(w) for w in config.weights.split(",")] if config.weights else []
    if len(weights) <= 1:  # one value for all: the from-scratch cnn takes what fits it
        shared = weights[0] if weights else None
        alone = len(backbones) == 1
        weights = [
            None if name == "cnn" and (shared == "imagenet" or not alone) else shared
            for name in backbones
        ]
    if len(weights) != len(backbones):
        raise ModelBuildError(
            f"--weights lists {len(weights)} entries for {len(backbones)} backbones."
        )
    return list(zip(backbones, weights, strict=True))
