"""Train a model and write the artifact: ``python -m mlcore.training --help``.

Validation is carved from ``train/`` by patient; the model is selected by validation AUC,
calibrated on validation (Platt scaling folded into the last bias + a temperature, so the
app's ``sigmoid(logit / temperature)`` holds), and its operating threshold is chosen on
validation. The test split is only evaluated and reported.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from mlcore import evaluation as ev
from mlcore.card import CARD_FILENAME, MODEL_FILENAME, ArtifactError, ModelCard, write_card
from mlcore.dataset import (
    DatasetError,
    Splits,
    default_data_dir,
    detect_layout,
    ensure_dataset,
    load_arrays,
    make_dataset,
    make_splits,
)
from mlcore.model import (
    BACKBONES,
    LAST_CONV_LAYER,
    LOGIT_LAYER,
    ModelBuildError,
    build_model,
    ensemble,
)
from mlcore.ood import OOD_FILENAME, fit_for_artifact

logger = logging.getLogger(__name__)

PLOTS = ("roc.png", "confusion.png", "reliability.png")
AUGMENTATIONS = ("none", "light", "strong", "framing")
TrainingError = (DatasetError, ModelBuildError, ArtifactError)


@dataclass
class TrainConfig:
    data_dir: Path | None = None
    download: bool = False
    force_download: bool = False
    # The shipped model's recipe (docs/model.md): ~28 minutes on 2 CPU cores.
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
    extra: dict[str, Any] = field(default_factory=dict)


class TimeBudget:
    """Keras callback factory: stop cleanly before ``minutes`` run out (best weights kept)."""

    @staticmethod
    def create(minutes: float):
        import keras

        class _TimeBudget(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.start = self.epoch_start = time.monotonic()
                self.budget = minutes * 60

            def on_epoch_begin(self, epoch, logs=None):
                self.epoch_start = time.monotonic()

            def on_epoch_end(self, epoch, logs=None):
                now = time.monotonic()
                if now - self.start + (now - self.epoch_start) > self.budget:
                    logger.info("Time budget of %.1f minutes reached: stopping.", minutes)
                    self.model.stop_training = True

        return _TimeBudget()


def build_augmentation(strength: str, seed: int):
    """Augmentation that mimics other acquisitions: geometry, exposure, gamma, blur, noise.

    No vertical flips (never seen in practice) and no horizontal flips (anatomy is not
    symmetric). ``"framing"`` adds wide, independent horizontal/vertical zoom: in train/,
    pneumonia images are framed tighter than normal ones, a shortcut that fails on other
    sites. Returns ``None`` for ``"none"``.
    """
    if strength == "none":
        return None
    import keras
    import tensorflow as tf
    from keras import layers

    scale = 0.5 if strength == "light" else 1.0
    zoom, shift = (0.3, 0.12) if strength == "framing" else (scale * 0.15, scale * 0.08)
    fill = {"fill_mode": "constant", "fill_value": 0.0, "seed": seed}
    geometry = keras.Sequential(
        [
            layers.RandomRotation(scale * 10 / 360, **fill),
            layers.RandomTranslation(shift, shift, **fill),
            layers.RandomZoom(
                (-zoom, zoom), (-zoom, zoom) if strength == "framing" else None, **fill
            ),
        ]
    )
    exposure = keras.Sequential(
        [
            layers.RandomBrightness(scale * 0.2, value_range=(0, 1), seed=seed),
            layers.RandomContrast(scale * 0.4, value_range=(0, 1), seed=seed),
            layers.RandomGaussianBlur(0.5 * scale, sigma=(0.1, 1.2), value_range=(0, 1), seed=seed),
        ]
    )
    generator = tf.random.Generator.from_seed(seed)

    def augment(images):
        images = geometry(images, training=True)
        batch = tf.shape(images)[0]
        gamma = tf.exp(generator.uniform((batch, 1, 1, 1), -0.4 * scale, 0.4 * scale))
        images = tf.pow(tf.clip_by_value(images, 1e-6, 1.0), gamma)
        images = exposure(images, training=True)
        noise = generator.normal(tf.shape(images), stddev=0.02 * scale)
        return tf.clip_by_value(images + noise, 0.0, 1.0)

    return augment


PLATT_SLOPE_RANGE = (0.05, 5.0)


def _nll(params: np.ndarray, features: np.ndarray, labels: np.ndarray) -> float:
    z = features @ params
    return float(np.mean(np.logaddexp(0.0, z) - labels * z))


def fit_platt(logits: np.ndarray, labels: np.ndarray, steps: int = 100) -> tuple[float, float]:
    """Logistic regression ``p = sigmoid(a * logit + b)``: damped Newton, slope kept in range.

    The slope is bounded because nearly separable validation scores would otherwise send it
    to infinity (probabilities of exactly 0 or 1, which no screening model deserves).
    """
    labels = np.asarray(labels, dtype=np.float64)
    features = np.stack([np.asarray(logits, dtype=np.float64), np.ones(len(logits))], axis=1)
    params = np.array([1.0, 0.0])
    for _ in range(steps):
        p = ev.sigmoid(features @ params)
        gradient = features.T @ (p - labels) / len(labels)
        hessian = features.T @ (features * (p * (1 - p))[:, None]) / len(labels)
        step = np.linalg.solve(hessian + 1e-6 * np.eye(2), gradient)
        size, current = 1.0, _nll(params, features, labels)
        while size > 1e-4:  # backtracking: only accept steps that lower the loss
            candidate = params - size * step
            candidate[0] = np.clip(candidate[0], *PLATT_SLOPE_RANGE)
            if _nll(candidate, features, labels) < current:
                break
            size /= 2
        else:
            break
        if np.abs(candidate - params).max() < 1e-9:
            params = candidate
            break
        params = candidate
    if params[0] in PLATT_SLOPE_RANGE:
        logger.warning("Platt slope %.3g hit its bound.", params[0])
    return float(params[0]), float(params[1])


def choose_threshold(labels: np.ndarray, probs: np.ndarray, target_sensitivity: float) -> float:
    """The highest threshold (hence best specificity) whose sensitivity is >= the target.

    The threshold is placed halfway to the next lower score, so that the rule does not hinge
    on one exact value.
    """
    labels = np.asarray(labels).astype(bool)
    positives = np.sort(np.asarray(probs)[labels])[::-1]
    if len(positives) == 0:
        return 0.5
    needed = min(max(int(np.ceil(target_sensitivity * len(positives))), 1), len(positives))
    cutoff = positives[needed - 1]
    below = np.asarray(probs)[np.asarray(probs) < cutoff]
    return float((cutoff + below.max()) / 2) if len(below) else float(cutoff)


def default_output_dir(config: TrainConfig) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return ev.PROJECT_ROOT / "runs" / f"{stamp}-{config.backbone}-{config.image_size}"


def file_version(path: Path) -> str:
    """Date + short hash of the model file: the model version."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    return f"{datetime.now(UTC):%Y.%m.%d}-{digest}"


def _class_weights(labels: np.ndarray) -> dict[int, float]:
    counts = np.bincount(labels.astype(int), minlength=2)
    return {c: float(len(labels) / (2 * max(counts[c], 1))) for c in (0, 1)}


def members(config: TrainConfig) -> list[tuple[str, str | None]]:
    """(backbone, weights) per ensemble member: both options take comma-separated lists."""
    backbones = [name.strip() for name in config.backbone.split(",")]
    weights = [_weights_option(w) for w in config.weights.split(",")] if config.weights else []
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


def _fit(
    model,
    config: TrainConfig,
    train_xy,
    val_xy,
    output: Path,
    *,
    seed: int,
    minutes: float | None,
    tag: str,
) -> dict[str, Any]:
    import keras

    train_ds = make_dataset(
        *train_xy,
        config.batch_size,
        shuffle=True,
        seed=seed,
        augment=build_augmentation(config.augment, seed),
    )
    val_ds = make_dataset(*val_xy, config.batch_size)
    steps = int(np.ceil(len(train_xy[0]) / config.batch_size)) * config.epochs
    schedule = keras.optimizers.schedules.CosineDecay(config.learning_rate, steps, alpha=0.05)
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.BinaryCrossentropy(from_logits=True),
        metrics=[keras.metrics.AUC(from_logits=True, name="auc")],
    )
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
    history = model.fit(
        train_ds,
        validation_data=val_ds,
        epochs=config.epochs,
        class_weight=_class_weights(train_xy[1]),
        shuffle=False,  # the pipeline shuffles
        callbacks=callbacks,
        verbose=2 if not sys.stdout.isatty() else "auto",
    )
    val_auc = history.history.get("val_auc", [float("nan")])
    return {
        "epochs_run": len(val_auc),
        "best_epoch": int(np.nanargmax(val_auc)) + 1 if len(val_auc) else 0,
        "best_val_auc_keras": float(np.nanmax(val_auc)) if len(val_auc) else None,
    }


def _calibrate(model, val_logits: np.ndarray, val_labels: np.ndarray) -> tuple[float, dict]:
    """Fold Platt's offset into the logit bias; return the temperature and ECE report."""
    a, b = fit_platt(val_logits, val_labels)
    logit_layer = model.get_layer(LOGIT_LAYER)
    kernel, bias = logit_layer.get_weights()
    logit_layer.set_weights([kernel, bias + b / a])
    temperature = 1.0 / a
    before = ev.sigmoid(val_logits)
    after = ev.sigmoid((val_logits + b / a) / temperature)
    report = {
        "method": "Platt scaling on validation: bias shift folded into the model, temperature",
        "bias_shift": b / a,
        "temperature": temperature,
        "ece_val_before": ev.expected_calibration_error(val_labels, before),
        "ece_val_after": ev.expected_calibration_error(val_labels, after),
    }
    return temperature, report


def train(config: TrainConfig) -> tuple[Path, ModelCard]:
    """Run the whole pipeline; return the artifact folder and its card."""
    started = time.monotonic()
    if config.data_dir and not (config.download or config.force_download):
        layout = detect_layout(config.data_dir)
    else:
        layout = ensure_dataset(
            config.data_dir or default_data_dir(),
            download=config.download,
            force=config.force_download,
        )
    splits = make_splits(layout, val_fraction=config.val_fraction, seed=config.seed)
    logger.info("Data: %s", {k: v for k, v in splits.description.items() if k != "source"})
    output = Path(config.output) if config.output else default_output_dir(config)
    created = not output.exists()
    output.mkdir(parents=True, exist_ok=True)
    try:
        return _train_into(output, config, splits, started)
    except BaseException:
        if created and not any(output.iterdir()):
            output.rmdir()  # a bad option or a failed download leaves no empty run folder
        raise


def _train_into(
    output: Path, config: TrainConfig, splits: Splits, started: float
) -> tuple[Path, ModelCard]:
    """Everything after the data is found: fit, calibrate, evaluate, save, install."""
    import keras

    keras.utils.set_random_seed(config.seed)

    def arrays(samples):
        return load_arrays(samples, config.image_size, equalize=config.equalize)

    train_xy, val_xy = arrays(splits.train), arrays(splits.val)
    test_xy = arrays(splits.test) if splits.test else None
    specs = members(config)
    fit_started = time.monotonic()
    trained, fit_report = [], {}
    for index, (backbone, weights) in enumerate(specs):
        seed = config.seed + index  # members differ in initialisation, order and augmentation
        keras.utils.set_random_seed(seed)
        member = build_model(backbone, config.image_size, weights, crop=config.crop)
        logger.info("Model %s: %d parameters", member.name, member.count_params())
        tag = f"-{index}" if len(specs) > 1 else ""
        minutes = config.max_minutes / len(specs) if config.max_minutes else None
        report = _fit(member, config, train_xy, val_xy, output, seed=seed, minutes=minutes, tag=tag)
        fit_report[f"member{tag}" if tag else "fit"] = {"backbone": backbone, **report}
        trained.append(member)
    if len(trained) == 1:  # re-wrapped: an uncompiled model saves without optimizer state
        model = keras.Model(trained[0].input, trained[0].output, name=trained[0].name)
        last_conv = LAST_CONV_LAYER
    else:
        scales = [float(np.std(ev.predict_logits(m, val_xy[0]))) or 1.0 for m in trained]
        model = ensemble(trained, scales)
        last_conv = [f"m{index}_{LAST_CONV_LAYER}" for index in range(len(trained))]
    fit_minutes = (time.monotonic() - fit_started) / 60

    val_logits = ev.predict_logits(model, val_xy[0])
    temperature, calibration = _calibrate(model, val_logits, val_xy[1])
    val_probs = ev.probabilities(model, val_xy[0], temperature)
    threshold = choose_threshold(val_xy[1], val_probs, config.target_sensitivity)
    metrics: dict[str, Any] = {"calibration": calibration}
    curves = {"validation": (val_xy[1], val_probs)}
    metrics["val"] = ev.binary_metrics(val_xy[1], val_probs, threshold)
    metrics["val"]["at_0.5"] = ev.binary_metrics(val_xy[1], val_probs, 0.5)
    reliability = {"val, raw": ev.sigmoid(val_logits), "val, calibrated": val_probs}
    if test_xy is not None:
        test_probs = ev.probabilities(model, test_xy[0], temperature)
        metrics["test"] = ev.binary_metrics(test_xy[1], test_probs, threshold)
        metrics["test"]["at_0.5"] = ev.binary_metrics(test_xy[1], test_probs, 0.5)
        metrics["calibration"]["ece_test"] = ev.expected_calibration_error(test_xy[1], test_probs)
        curves["test"] = (test_xy[1], test_probs)
    report = metrics.get("test", metrics["val"])
    ev.plot_roc(curves, output / "roc.png")
    ev.plot_confusion(
        report["confusion_matrix"], output / "confusion.png",
        f"{'test' if test_xy is not None else 'validation'} @ {threshold:.3f}",
    )  # fmt: skip
    ev.plot_reliability(val_xy[1], reliability, output / "reliability.png")

    model.save(output / MODEL_FILENAME)
    config_dict = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()}
    card = ModelCard(
        version=file_version(output / MODEL_FILENAME),
        input_size=config.image_size,
        threshold=threshold,
        temperature=temperature,
        equalize=config.equalize,
        backbone="+".join(backbone for backbone, _ in specs),
        parameters=int(model.count_params()),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        threshold_rule=(
            f"highest threshold with validation sensitivity >= {config.target_sensitivity:.0%}"
        ),
        metrics=metrics,
        data=splits.description,
        training={
            **fit_report,
            "fit_minutes": round(fit_minutes, 2),
            "total_minutes": round((time.monotonic() - started) / 60, 2),
            "config": config_dict,
            "keras": keras.__version__,
        },
        extra={
            "last_conv_layer": last_conv,  # one name, or one per ensemble member
            "logit_layer": LOGIT_LAYER,
            "center_crop": config.crop,  # the feature map covers only this central fraction
        },
    )
    write_card(output, card)
    fit_for_artifact(output, train_xy[0], val_xy[0])  # from the saved file: what the app loads
    for checkpoint in output.glob("best*.weights.h5"):
        checkpoint.unlink()
    rows = {"validation": metrics["val"]}
    if "test" in metrics:
        rows["test"] = metrics["test"]
        rows["test @ 0.5"] = metrics["test"]["at_0.5"]
    logger.info("Artifact %s in %s\n%s", card.version, output, ev.format_table(rows))
    if config.install:
        install(output)
    return output, card


def install(source: Path, target: Path | None = None) -> Path:
    """Copy an artifact into the app's model folder, card last (the app keys on it)."""
    target = Path(target) if target else ev.default_model_dir()
    target.mkdir(parents=True, exist_ok=True)
    for name in (MODEL_FILENAME, OOD_FILENAME, *PLOTS, CARD_FILENAME):
        if (source / name).is_file():
            shutil.copy2(source / name, target / f".{name}.tmp")
            (target / f".{name}.tmp").replace(target / name)
    logger.info("Installed the model into %s", target)
    return target


def _weights_option(value: str) -> str | None:
    return None if value.strip().lower() in ("", "none") else value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``python -m mlcore.training`` and ``manage.py train_model``."""
    defaults = TrainConfig()
    add = parser.add_argument
    add("--data-dir", type=Path, help="Kaggle layout folder (default: $PNEUMO_DATA_DIR or "
        "var/data/chest_xray, downloaded if absent)")  # fmt: skip
    add("--download", action="store_true", help="download the dataset from Kaggle if absent")
    add("--force-download", action="store_true", help="download again even if present")
    add("--backbone", default=defaults.backbone,
        help=f"{', '.join(BACKBONES)}; a comma-separated list trains an ensemble")  # fmt: skip
    add("--weights", default=defaults.weights,
        help="'imagenet' (downloaded by Keras), a Keras weights file (no top) or 'none'; "
             "one per backbone, or one for all (the from-scratch cnn then starts from "
             "scratch unless it trains alone)")  # fmt: skip
    add("--epochs", type=int, default=defaults.epochs)
    add("--image-size", type=int, default=defaults.image_size)
    add("--batch-size", type=int, default=defaults.batch_size)
    add("--seed", type=int, default=defaults.seed)
    add("--learning-rate", type=float, default=defaults.learning_rate)
    add("--augment", choices=AUGMENTATIONS, default=defaults.augment)
    add("--no-equalize", dest="equalize", action="store_false",
        help="do not histogram-equalise the images")  # fmt: skip
    add("--crop", type=float, default=defaults.crop,
        help="central fraction of the image the network sees")  # fmt: skip
    add("--patience", type=int, default=defaults.patience, help="early-stopping patience")
    add("--output", type=Path, help="artifact folder (default: a new folder under runs/)")
    add("--install", action="store_true", help="copy the result to the app's model folder")
    add("--max-minutes", type=float, help="stop training cleanly after this many minutes")
    add("--target-sensitivity", type=float, default=defaults.target_sensitivity)


def config_from_options(options: dict[str, Any]) -> TrainConfig:
    known = TrainConfig.__dataclass_fields__
    return TrainConfig(**{k: v for k, v in options.items() if k in known and v is not None})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlcore.training", description=__doc__)
    add_arguments(parser)
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        train(config_from_options(vars(options)))
    except TrainingError as exc:
        print(f"error: {exc}", file=sys.stderr)  # the one line a CLI user needs
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
