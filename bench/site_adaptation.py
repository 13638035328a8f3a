"""``python -m bench.site_adaptation --data-dir ../shared/datasets/chest_xray``: a site
deployment simulated honestly, with adapt_to_site's recipe.

The public test split (another site than training: docs/model.md) is split by patient into
two halves (seeded). One half plays the site's reviews: the model is adapted on them
(training images mixed in, nested cross-validation guardrail), the candidate is installed
into a throwaway versions folder, and the installed model is evaluated on the other half's
patients, which the adaptation never saw; then the other way round. The learning curve
adapts on 20, 40, 80, 160 images drawn from one half (stratified by class, seeded, several
draws) and evaluates on the other half, both ways.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from mlcore import adaptation, labelled
from mlcore.artifact import SHIPPED_MODEL_DIR, read_card
from mlcore.dataset import Sample, detect_layout, split_by_patient
from mlcore.inference import Predictor
from mlcore.metrics import binary_metrics, sigmoid

COLUMNS = ("roc_auc", "accuracy", "sensitivity", "specificity")
QUIET = adaptation.Clock(None, None)
CURVE_MIN_PER_CLASS = 5  # the command's default (20 per class) would refuse the small draws


def halves(site: labelled.Scored, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of two halves split by patient, stratified by class (mlcore.dataset)."""
    samples = [
        Sample(Path(str(i)), int(y), str(g))
        for i, (y, g) in enumerate(zip(site.labels, site.groups, strict=True))
    ]
    first, second = split_by_patient(samples, [0.5], seed)
    return (np.array([int(s.path.name) for s in part]) for part in (first, second))


def draw(site: labelled.Scored, rows: np.ndarray, size: int, seed: int) -> np.ndarray:
    """``size`` reviewed images from ``rows`` (all of them if fewer), the classes in their
    proportions."""
    rng = np.random.default_rng(seed)
    size = min(size, len(rows))
    chosen = []
    for label in (0, 1):
        members = rows[site.labels[rows] == label]
        chosen += list(rng.choice(members, round(size * len(members) / len(rows)), replace=False))
    return np.sort(chosen)


def row(name: str, figures: dict, decision: str = "") -> str:
    cells = " | ".join(f"{figures[column]:.3f}" for column in COLUMNS)
    return f"| {name} | {figures['n']} | {cells} | {decision} |"


def evaluate_installed(candidate, site, images, rows, root: Path, model_dir: Path) -> dict:
    """The installed version, as the app runs it, on the other half's images."""
    card = adaptation.install(candidate, root, model_dir)
    predictor = Predictor(root / card.version)
    predictions = predictor.predict_arrays(list(images.arrays[rows]))
    probabilities = np.array([p.pneumonia_probability for p in predictions])
    return binary_metrics(site.labels[rows], probabilities, card.threshold)


def decision(candidate: adaptation.Candidate) -> str:
    return "install" if not candidate.failures else "refuse: " + "; ".join(candidate.failures)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=SHIPPED_MODEL_DIR)
    parser.add_argument("--repeats", type=int, default=3, help="draws per learning-curve size")
    parser.add_argument("--sizes", type=int, nargs="*", default=[20, 40, 80, 160])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-train", action="store_true", help="mix no training images in")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    card, options = read_card(args.model), adaptation.Options()
    clock = adaptation.Clock(None, print)
    predictor = Predictor(args.model)
    images = labelled.images_from_folder(args.data_dir, card)
    site = adaptation.score(predictor, images, clock)
    training = None
    if not args.no_train:
        folder = detect_layout(args.data_dir).train
        sample = labelled.images_from_folder(folder, card, adaptation.TRAINING_IMAGES)
        training = adaptation.score(predictor, sample, clock)
    first, second = halves(site, args.seed)
    base = sigmoid(site.logits / card.calibration.temperature)
    lines = [
        f"| adapted on -> evaluated on | n | {' | '.join(COLUMNS)} | guardrail |",
        "|---" * 7 + "|",
    ]
    with tempfile.TemporaryDirectory() as root:
        for name, (a, b) in {"A -> B": (first, second), "B -> A": (second, first)}.items():
            lines.append(
                row(
                    f"base model, {name[-1]}",
                    binary_metrics(site.labels[b], base[b], card.threshold),
                )
            )
            timer = time.perf_counter()
            candidate = adaptation.adapt_scored(
                args.model, card, site.subset(a), training, options, QUIET
            )
            figures = evaluate_installed(candidate, site, images, b, Path(root), args.model)
            lines.append(
                row(
                    f"{name} ({len(a)} reviews, {time.perf_counter() - timer:.0f} s)",
                    figures,
                    decision(candidate),
                )
            )
    print("\n".join(["", *lines, ""]), flush=True)
    curve = learning_curve(site, training, card, (first, second), args, clock)
    print("\n".join(["", *curve]))
    runs = 2 + len(args.sizes) * args.repeats * 2
    print(f"\nWall time {time.perf_counter() - started:.0f} s ({runs} adaptations).")


def learning_curve(site, training, card, parts, args, clock) -> list[str]:
    """Mean (min-max) held-out figures per number of reviewed images, both directions."""
    options = adaptation.Options(min_per_class=CURVE_MIN_PER_CLASS)
    lines = [f"| reviewed images | runs | {' | '.join(COLUMNS)} | installed |", "|---" * 7 + "|"]
    for size in args.sizes:
        results, installed = [], 0
        for repeat in range(args.repeats):
            for a, b in (parts, parts[::-1]):
                rows = draw(site, a, size, args.seed + repeat)
                candidate = adaptation.adapt_scored(
                    args.model, card, site.subset(rows), training, options, QUIET
                )
                clock.step(f"learning curve: {size} reviews, draw {repeat + 1}")
                probabilities = sigmoid(candidate.head.logits(site.features[b]))
                results.append(
                    binary_metrics(site.labels[b], probabilities, candidate.card.threshold)
                )
                installed += not candidate.failures
        cells = " | ".join(_spread([r[c] for r in results]) for c in COLUMNS)
        lines.append(f"| {size} | {len(results)} | {cells} | {installed}/{len(results)} |")
    return lines


def _spread(values: list[float]) -> str:
    return f"{statistics.mean(values):.3f} ({min(values):.3f}-{max(values):.3f})"


if __name__ == "__main__":
    main()
