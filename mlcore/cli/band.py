"""The borderline band of an existing artifact, from its validation split.

``python -m mlcore.cli.band --model DIR --data-dir PATH``: rebuilds the artifact's
validation split (the seed and fraction its training used), scores it, and writes the band
(:func:`mlcore.stats.calibration.threshold_band` around the card's threshold rule) into the card.
Reports the share of validation and test images inside the band.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

from mlcore.artifact.files import write_card
from mlcore.data.dataset import detect_layout, load_arrays, make_splits
from mlcore.errors import MlcoreError
from mlcore.evaluation.predictions import load_artifact, probabilities
from mlcore.stats.calibration import borderline_band

logger = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, required=True, help="artifact folder")
    parser.add_argument("--data-dir", type=Path, required=True, help="Kaggle-layout folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        model, card = load_artifact(args.model)
        config = card.provenance.training.get("config", {})
        target = float(config.get("target_sensitivity", 0.95))
        splits = make_splits(
            detect_layout(args.data_dir),
            val_fraction=float(config.get("val_fraction", 0.15)),
            seed=int(config.get("seed", 42)),
        )
        scored = {}
        for name in ("val", "test"):
            images, labels = load_arrays(
                getattr(splits, name), card.input_size, equalize=card.equalize
            )
            scored[name] = labels, probabilities(model, images, card.calibration.temperature)
        card.band = band = borderline_band(*scored["val"], target, "validation images")
        write_card(args.model, card)
        logger.info(
            "Band %.4f-%.4f around %.4f: %s", band.low, band.high, card.threshold, band.rule
        )
        for name, (labels, probs) in scored.items():
            inside = (probs >= band.low) & (probs <= band.high)
            verdicts = probs >= card.threshold
            logger.info(
                "%s: %.1f%% of %d images borderline; accuracy inside %.3f, outside %.3f",
                name, 100 * inside.mean(), len(labels),
                np.mean(verdicts[inside] == labels[inside]) if inside.any() else float("nan"),
                np.mean(verdicts[~inside] == labels[~inside]),
            )  # fmt: skip
    except MlcoreError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
