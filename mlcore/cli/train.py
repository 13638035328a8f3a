"""Train a model and write its artifact: ``python -m mlcore.cli.train --help``.

The same options as ``manage.py train_model``; see :mod:`mlcore.training` for the stages.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from mlcore.errors import MlcoreError
from mlcore.model.networks import BACKBONES
from mlcore.training import TrainConfig, train
from mlcore.training.config import AUGMENTATIONS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options shared by ``python -m mlcore.cli.train`` and ``manage.py train_model``."""
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
    parser = argparse.ArgumentParser(prog="python -m mlcore.cli.train", description=__doc__)
    add_arguments(parser)
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        train(config_from_options(vars(options)))
    except MlcoreError as exc:
        print(f"error: {exc}", file=sys.stderr)  # the one line a CLI user needs
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
