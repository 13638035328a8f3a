"""Training as stages a caller can compose: data -> fit -> calibrate -> evaluate -> artifact.

Validation is carved from ``train/`` by patient; the model is selected by validation AUC,
calibrated on validation (Platt scaling folded into the last bias + a temperature, so the
app's ``sigmoid(logit / temperature)`` holds), and its operating threshold is chosen on
validation. The test split is only evaluated and reported.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from mlcore.artifact.card import Band, Calibration, ModelCard, Network, Provenance
from mlcore.artifact.files import MODEL_FILENAME, file_version, install, write_card
from mlcore.data.dataset import (
    Splits,
    default_data_dir,
    detect_layout,
    ensure_dataset,
    load_arrays,
    make_splits,
)
from mlcore.evaluation import plots
from mlcore.evaluation.predictions import predict_logits, probabilities
from mlcore.model.gate import fit_for_artifact
from mlcore.stats.calibration import (
    borderline_band,
    choose_threshold,
    expected_calibration_error,
    fit_platt,
)
from mlcore.stats.metrics import binary_metrics, format_table, sigmoid
from mlcore.training.config import TrainConfig, default_output_dir
from mlcore.training.fit import Arrays, Fitted, fit

logger = logging.getLogger(__name__)

CALIBRATION_METHOD = "Platt scaling on validation: bias shift folded into the model, temperature"


@dataclass
class TrainingData:
    """The splits (for the card) and their decoded arrays."""

    splits: Splits
    train: Arrays
    val: Arrays
    test: Arrays | None


@dataclass
class Evaluation:
    """Metrics per split at the chosen threshold (and at 0.5), and what the plots need."""

    threshold: float
    metrics: dict[str, Any]
    band: Band | None = None
    ece_test: float | None = None
    curves: dict[str, Arrays] = field(default_factory=dict)
    reliability: dict[str, np.ndarray] = field(default_factory=dict)


def find_data(config: TrainConfig) -> Splits:
    """The data stage, part one: find (or download) the data set and split it by patient."""
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
    return splits


def load_data(config: TrainConfig, splits: Splits) -> TrainingData:
    """The data stage, part two: decode every image as the app will."""

    def arrays(samples):
        return load_arrays(samples, config.image_size, equalize=config.equalize)

    test = arrays(splits.test) if splits.test else None
    return TrainingData(splits, arrays(splits.train), arrays(splits.val), test)


def calibrate(model, val_logits: np.ndarray, val_labels: np.ndarray) -> Calibration:
    """Fit Platt scaling on the validation logits; fold its offset into the logit bias."""
    a, b = fit_platt(val_logits, val_labels)
    logit_layer = model.get_layer(Network().logit_layer)
    kernel, bias = logit_layer.get_weights()
    logit_layer.set_weights([kernel, bias + b / a])
    temperature = 1.0 / a
    return Calibration(
        temperature=temperature,
        method=CALIBRATION_METHOD,
        bias_shift=b / a,
        ece_val_before=expected_calibration_error(val_labels, sigmoid(val_logits)),
        ece_val_after=expected_calibration_error(
            val_labels, sigmoid((val_logits + b / a) / temperature)
        ),
    )


def evaluate(
    model, data: TrainingData, temperature: float, target_sensitivity: float,
    uncalibrated_val_logits: np.ndarray,
) -> Evaluation:  # fmt: skip
    """Choose the threshold on validation; metrics of validation (and test) at it."""
    val_probs = probabilities(model, data.val[0], temperature)
    threshold = choose_threshold(data.val[1], val_probs, target_sensitivity)
    raw = sigmoid(uncalibrated_val_logits)
    result = Evaluation(
        threshold,
        {},
        band=borderline_band(data.val[1], val_probs, target_sensitivity, "validation images"),
        curves={"validation": (data.val[1], val_probs)},
        reliability={"val, raw": raw, "val, calibrated": val_probs},
    )
    splits = {"val": data.val, "test": data.test}
    for name, (images, labels) in ((k, v) for k, v in splits.items() if v is not None):
        probs = val_probs if name == "val" else probabilities(model, images, temperature)
        result.metrics[name] = binary_metrics(labels, probs, threshold)
        result.metrics[name]["at_0.5"] = binary_metrics(labels, probs, 0.5)
        if name == "test":
            result.ece_test = expected_calibration_error(labels, probs)
            result.curves["test"] = (labels, probs)
    return result


def write_plots(output: Path, evaluation: Evaluation, val_labels: np.ndarray) -> None:
    report = evaluation.metrics.get("test", evaluation.metrics["val"])
    split = "test" if "test" in evaluation.metrics else "validation"
    plots.plot_roc(evaluation.curves, output / "roc.png")
    plots.plot_confusion(
        report["confusion_matrix"], output / "confusion.png",
        f"{split} @ {evaluation.threshold:.3f}",
    )  # fmt: skip
    plots.plot_reliability(val_labels, evaluation.reliability, output / "reliability.png")


def write_artifact(
    output: Path, config: TrainConfig, data: TrainingData, fitted: Fitted,
    calibration: Calibration, evaluation: Evaluation, started: float,
) -> ModelCard:  # fmt: skip
    """The artifact stage: plots, model, card, then the gate fitted on the saved model."""
    import keras

    write_plots(output, evaluation, data.val[1])
    fitted.model.save(output / MODEL_FILENAME)
    config_dict = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()}
    card = ModelCard(
        version=file_version(output / MODEL_FILENAME),
        input_size=config.image_size,
        threshold=evaluation.threshold,
        threshold_rule=(
            f"highest threshold with validation sensitivity >= {config.target_sensitivity:.0%}"
        ),
        equalize=config.equalize,
        band=evaluation.band,
        calibration=replace(calibration, ece_test=evaluation.ece_test),
        network=Network(last_conv_layers=fitted.last_conv_layers, center_crop=config.crop),
        provenance=Provenance(
            backbone="+".join(fitted.backbones),
            parameters=int(fitted.model.count_params()),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            data=data.splits.description,
            training={
                **fitted.report,
                "fit_minutes": round(fitted.minutes, 2),
                "total_minutes": round((time.monotonic() - started) / 60, 2),
                "config": config_dict,
                "keras": keras.__version__,
            },
        ),
        metrics=evaluation.metrics,
    )
    write_card(output, card)
    # The gate reads the saved file: what the app will load.
    fit_for_artifact(output, data.train[0], data.val[0])
    for checkpoint in output.glob("best*.weights.h5"):
        checkpoint.unlink()
    return card


def train(config: TrainConfig) -> tuple[Path, ModelCard]:
    """Run every stage; return the artifact folder and its card (installed if asked)."""
    started = time.monotonic()
    splits = find_data(config)
    output = Path(config.output) if config.output else default_output_dir(config)
    created = not output.exists()
    output.mkdir(parents=True, exist_ok=True)
    try:
        data = load_data(config, splits)
        fitted = fit(config, data.train, data.val, output)
        val_logits = predict_logits(fitted.model, data.val[0])
        calibration = calibrate(fitted.model, val_logits, data.val[1])
        evaluation = evaluate(
            fitted.model, data, calibration.temperature, config.target_sensitivity, val_logits
        )
        card = write_artifact(output, config, data, fitted, calibration, evaluation, started)
    except BaseException:
        if created and not any(output.iterdir()):
            output.rmdir()  # a bad option or a failed download leaves no empty run folder
        raise
    rows = {"validation": card.metrics["val"]}
    if "test" in card.metrics:
        rows["test"] = card.metrics["test"]
        rows["test @ 0.5"] = card.metrics["test"]["at_0.5"]
    logger.info("Artifact %s in %s\n%s", card.version, output, format_table(rows))
    if config.install:
        install(output)
    return output, card
