"""The fit stage: train each member of the recipe, then join them into one model."""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mlcore.artifact.card import LAST_CONV_LAYER
from mlcore.data.dataset import make_dataset
from mlcore.evaluation.predictions import predict_logits
from mlcore.model.networks import build_model, ensemble
from mlcore.training.augment import TimeBudget, build_augmentation
from mlcore.training.config import TrainConfig, members

logger = logging.getLogger(__name__)

Arrays = tuple[np.ndarray, np.ndarray]  # images (n, size, size, 1), labels (n,)


@dataclass
class Fitted:
    """One Keras model (a member, or the ensemble of all), and how fitting went."""

    model: Any
    last_conv_layers: tuple[str, ...]
    backbones: list[str]
    report: dict[str, Any] = field(default_factory=dict)
    minutes: float = 0.0


def class_weights(labels: np.ndarray) -> dict[int, float]:
    counts = np.bincount(labels.astype(int), minlength=2)
    return {c: float(len(labels) / (2 * max(counts[c], 1))) for c in (0, 1)}


def _callbacks(config: TrainConfig, output: Path, tag: str, minutes: float | None) -> list:
    import keras

    callbacks = [
        keras.callbacks.ModelCheckpoint(
            output / f"best{tag}.weights.h5", monitor="val_auc", mode="max",
            save_best_only=True, save_weights_only=True,
        ),
        keras.callbacks.EarlyStopping(
            monitor="val_auc", mode="max", patience=config.patience, restore_best_weights=True
        ),
        keras.callbacks.CSVLogger(str(output / f"history{tag}.csv")),
    ]  # fmt: skip
    if minutes:
        callbacks.append(TimeBudget.create(minutes))
    return callbacks


def fit_member(
    model, config: TrainConfig, train_xy: Arrays, val_xy: Arrays, output: Path, *,
    seed: int, minutes: float | None, tag: str,
) -> dict[str, Any]:  # fmt: skip
    """Fit one network (checkpoints and history in ``output``); return its fit report."""
    import keras

    augment = build_augmentation(config.augment, seed)
    train_ds = make_dataset(*train_xy, config.batch_size, shuffle=True, seed=seed, augment=augment)
    val_ds = make_dataset(*val_xy, config.batch_size)
    steps = int(np.ceil(len(train_xy[0]) / config.batch_size)) * config.epochs
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, steps, alpha=0.05)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.AUC(from_logits=True, name="auc")],
    )
    history = model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=config.epochs,
        class_weight=class_weights(train_xy[1]),
        shuffle=False,  # the pipeline shuffles
        callbacks=_callbacks(config, output, tag, minutes),
        verbose=2 if not sys.stdout.isatty() else "auto",
    )
    val_auc = history.history.get("val_auc", [float("nan")])
    return {
        "epochs_run": len(val_auc),
        "best_epoch": int(np.nanargmax(val_auc)) + 1 if len(val_auc) else 0,
        "best_val_auc_keras": float(np.nanmax(val_auc)) if len(val_auc) else None,
    }


def fit(config: TrainConfig, train_xy: Arrays, val_xy: Arrays, output: Path) -> Fitted:
    """Fit every member of the recipe; several become one ensemble model."""
    import keras

    keras.utils.set_random_seed(config.seed)
    specs = members(config)
    started = time.monotonic()
    trained, report = [], {}
    for index, (backbone, weights) in enumerate(specs):
        seed = config.seed + index  # members differ in initialisation, order and augmentation
        keras.utils.set_random_seed(seed)
        member = build_model(backbone, config.image_size, weights, crop=config.crop)
        logger.info("Model %s: %d parameters", member.name, member.count_params())
        tag = f"-{index}" if len(specs) > 1 else ""
        minutes = config.max_minutes / len(specs) if config.max_minutes else None
        fitted = fit_member(
            member, config, train_xy, val_xy, output, seed=seed, minutes=minutes, tag=tag
        )
        report[f"member{tag}" if tag else "fit"] = {"backbone": backbone, **fitted}
        trained.append(member)
    if len(trained) == 1:  # re-wrapped: an uncompiled model saves without optimizer state
        model = keras.Model(trained[0].input, trained[0].output, name=trained[0].name)
        layers: tuple[str, ...] = (LAST_CONV_LAYER,)
    else:
        scales = [float(np.std(predict_logits(m, val_xy[0]))) or 1.0 for m in trained]
        model = ensemble(trained, scales)
        layers = tuple(f"m{index}_{LAST_CONV_LAYER}" for index in range(len(trained)))
    minutes = (time.monotonic() - started) / 60
    return Fitted(model, layers, [backbone for backbone, _ in specs], report, minutes)
