"""The not-a-chest-X-ray gate of an existing artifact: refit it, and report its flag rates.

``python -m mlcore.cli.gate --model DIR --data-dir PATH [--report-only]``: fits the gates
on the artifact's training split (unless ``--report-only``), then reports the share of
validation and test X-rays, generated non-X-rays and real non-X-ray pictures
(:mod:`mlcore.data.real_non_xrays`, each group apart) the app would answer "not recognised", and
records those shares in the card's gate section.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

from mlcore.artifact.files import read_card, write_card
from mlcore.data.dataset import detect_layout, load_arrays, make_splits
from mlcore.data.real_non_xrays import HELD_OUT, TUNED_ON, real_not_xray_uploads
from mlcore.data.synthetic import not_xray_images
from mlcore.decode.pictures import to_model_input
from mlcore.decode.upload import model_picture
from mlcore.errors import MlcoreError
from mlcore.model.gate import DEFAULT_LAYOUT_PERCENTILE, DEFAULT_PERCENTILE, fit_for_artifact
from mlcore.model.inference import Predictor

logger = logging.getLogger(__name__)


def flagged(predictor: Predictor, images: np.ndarray) -> list[bool]:
    """Whether the artifact's gate calls each of ``images`` "not recognised"."""
    return [not prediction.recognised for prediction in predictor.predict_arrays(list(images))]


def picture_groups(size: int, equalize: bool) -> dict[str, dict[str, np.ndarray]]:
    """Generated and real non-X-rays as model inputs, by group and name (decoded as uploads)."""
    groups = {
        "generated non-X-rays": {
            name: to_model_input(image.convert("L"), size, equalize=equalize)
            for name, image in not_xray_images(400).items()
        }
    }
    for group in (TUNED_ON, HELD_OUT):
        groups[f"real non-X-rays, {group}"] = {
            name: to_model_input(model_picture(data, size), size, equalize=equalize)
            for name, data in real_not_xray_uploads(group).items()
        }
    return groups


def report(model_dir: Path, xrays: dict[str, np.ndarray]) -> dict[str, str]:
    """Flag rates per group, logged with each real picture's distances; recorded in the card."""
    card = read_card(model_dir)
    predictor = Predictor(model_dir)
    rates = {}
    for name, images in xrays.items():
        refused = sum(flagged(predictor, images))
        rates[f"{name} X-rays"] = f"{refused}/{len(images)} ({refused / len(images):.1%})"
    for group, pictures in picture_groups(card.input_size, card.equalize).items():
        predictions = predictor.predict_arrays(list(pictures.values()))
        for picture, prediction in zip(pictures, predictions, strict=True):
            logger.info(
                "%s: %s, distances %.1f (features) %.1f (layout)",
                picture,
                "refused" if not prediction.recognised else "ACCEPTED",
                prediction.ood_score or 0.0,
                prediction.layout_score or 0.0,
            )
        refused = sum(not prediction.recognised for prediction in predictions)
        rates[group] = f"{refused}/{len(predictions)} refused"
    for group, rate in rates.items():
        logger.info("Flagged as not a chest X-ray: %s of %s", rate, group)
    card.gate.flag_rates = rates
    write_card(model_dir, card)
    return rates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="artifact folder")
    parser.add_argument("--data-dir", type=Path, required=True, help="Kaggle-layout folder")
    parser.add_argument(
        "--percentile", type=float, default=DEFAULT_PERCENTILE, help="pooled features' cut-off"
    )
    parser.add_argument(
        "--layout-percentile",
        type=float,
        default=DEFAULT_LAYOUT_PERCENTILE,
        help="the layout's cut-off",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="only report the gate's flag rates"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        card = read_card(args.model)
        seed = card.provenance.training.get("config", {}).get("seed", 42)
        splits = make_splits(detect_layout(args.data_dir), seed=int(seed))
        arrays = {
            name: load_arrays(getattr(splits, name), card.input_size, equalize=card.equalize)[0]
            for name in ("train", "val", "test")
            if getattr(splits, name)
        }
        if not args.report_only:
            fit_for_artifact(
                args.model,
                arrays["train"],
                arrays["val"],
                percentile=args.percentile,
                layout_percentile=args.layout_percentile,
            )
        report(args.model, {name: arrays[name] for name in ("val", "test") if name in arrays})
    except MlcoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
