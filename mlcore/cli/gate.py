"""The not-a-chest-X-ray gate of an existing artifact: refit it, and report its flag rates.

``python -m mlcore.cli.gate --model DIR --data-dir PATH [--report-only]``: fits the gate
on the artifact's training split (unless ``--report-only``), then reports the share of
validation, test and generated non-X-ray images the app would answer "not recognised".
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

from mlcore.artifact import read_card
from mlcore.dataset import detect_layout, load_arrays, make_splits
from mlcore.errors import MlcoreError
from mlcore.gate import DEFAULT_PERCENTILE, fit_for_artifact
from mlcore.imaging import to_model_input
from mlcore.inference import Predictor
from mlcore.synthetic import not_xray_images

logger = logging.getLogger(__name__)


def flag_rate(model_dir: Path, images: np.ndarray) -> float:
    """Share of ``images`` the artifact's gate would call "not recognised"."""
    predictor = Predictor(model_dir)
    flagged = sum(
        not prediction.recognised
        for start in range(0, len(images), 64)
        for prediction in predictor.predict_arrays(list(images[start : start + 64]))
    )
    return flagged / len(images)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="artifact folder")
    parser.add_argument("--data-dir", type=Path, required=True, help="Kaggle-layout folder")
    parser.add_argument("--percentile", type=float, default=DEFAULT_PERCENTILE)
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
            fit_for_artifact(args.model, arrays["train"], arrays["val"], percentile=args.percentile)
        arrays["generated non-X-rays"] = np.stack(
            [
                to_model_input(image.convert("L"), card.input_size, equalize=card.equalize)
                for image in not_xray_images(400).values()
            ]
        )
        for name in ("val", "test", "generated non-X-rays"):
            if name in arrays:
                rate = flag_rate(args.model, arrays[name])
                logger.info("Flagged as not a chest X-ray: %.1f%% of %s", 100 * rate, name)
    except MlcoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
