"""``python -m bench.site_adaptation --data-dir ../shared/datasets/chest_xray``: a site
deployment simulated honestly, with adapt_to_site's recipe.

The public test split (another site than training: docs/model.md) is split by patient into
two halves (seeded, ``--splits`` seeds). One half plays the site's reviews: the model is
adapted on them (training images mixed in, nested cross-validation guardrail), the
candidate is installed into a throwaway versions folder, and the installed model is
evaluated on the other half's patients, which the adaptation never saw; then the other way
round; with the default threshold rule and with sensitivity alone. Then fifths: adapted on
four fifths of the patients (about 250 reviews), decided on the fifth left out, pooled. The
learning curve adapts on 20, 40, 80, 160 images drawn from one half (stratified by class,
seeded, several draws) and evaluates on the other half, both ways.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlcore.artifact.card import ModelCard
from mlcore.artifact.files import SHIPPED_MODEL_DIR, read_card
from mlcore.data.dataset import Sample, detect_layout, split_by_patient
from mlcore.model.inference import Predictor
from mlcore.site import adaptation, labelled
from mlcore.stats.metrics import binary_metrics, decision_metrics, sigmoid

COLUMNS = ("roc_auc", "accuracy", "sensitivity", "specificity")
QUIET = adaptation.Clock(None, None)
CURVE_MIN_PER_CLASS = 5  # the command's default (20 per class) would refuse the small draws
RULES = {
    "sens >= 0.95 and spec >= 0.90 where both hold (default)": adaptation.Options(),
    "sens >= 0.95 alone": adaptation.Options(min_specificity=None),
}


def patient_parts(site: labelled.Scored, parts: int, seed: int) -> list[np.ndarray]:
    """Row indices of ``parts`` equal parts split by patient, stratified by class
    (mlcore.data.dataset)."""
    samples = [
        Sample(Path(str(i)), int(y), str(g))
        for i, (y, g) in enumerate(zip(site.labels, site.groups, strict=True))
    ]
    split = split_by_patient(samples, [1 / parts] * (parts - 1), seed)
    return [np.array([int(s.path.name) for s in part]) for part in split]


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


def header(first: str, last: str) -> list[str]:
    return [f"| {first} | n | {' | '.join(COLUMNS)} | {last} |", "|---" * 7 + "|"]


@dataclass
class Simulation:
    """The scored site images, the training images to mix in, and where candidates go."""

    model_dir: Path
    card: ModelCard
    images: labelled.LabelledImages
    site: labelled.Scored
    training: labelled.Scored | None
    root: Path

    def adapt(self, reviews: np.ndarray, options: adaptation.Options) -> adaptation.Candidate:
        return adaptation.adapt_scored(
            self.model_dir, self.card, self.site.subset(reviews), self.training, options, QUIET
        )

    def installed_probabilities(self, candidate: adaptation.Candidate, rows: np.ndarray):
        """The installed version, as the app runs it, on ``rows``: (probabilities, threshold)."""
        card = adaptation.install(candidate, self.root)
        predictor = Predictor(self.root / card.version)
        predictions = predictor.predict_arrays(list(self.images.arrays[rows]))
        return np.array([p.pneumonia_probability for p in predictions]), card.threshold


def decision(candidate: adaptation.Candidate) -> str:
    return "install" if not candidate.failures else "refuse: " + "; ".join(candidate.failures)


def halves_table(sim: Simulation, seeds: range) -> list[str]:
    """Each seed's two halves, each way, with every rule; then each rule's mean."""
    lines = header("split: adapted on -> evaluated on", "guardrail")
    base = sigmoid(sim.site.logits / sim.card.calibration.temperature)
    results: dict[str, list[dict]] = {name: [] for name in RULES}
    for seed in seeds:
        first, second = patient_parts(sim.site, 2, seed)
        for name, (a, b) in {"A -> B": (first, second), "B -> A": (second, first)}.items():
            labels = sim.site.labels[b]
            figures = binary_metrics(labels, base[b], sim.card.threshold)
            lines.append(row(f"{seed}: base model, on {name[-1]}", figures))
            for rule, options in RULES.items():
                timer = time.perf_counter()
                candidate = sim.adapt(a, options)
                figures = binary_metrics(labels, *sim.installed_probabilities(candidate, b))
                results[rule].append(figures)
                seconds = time.perf_counter() - timer
                label = f"{seed}: {name}, {len(a)} reviews, {rule} ({seconds:.0f} s)"
                lines.append(row(label, figures, decision(candidate)))
    for rule, runs in results.items():
        cells = " | ".join(_spread([r[c] for r in runs]) for c in COLUMNS)
        lines.append(f"| **mean of {len(runs)}**, {rule} | | {cells} | |")
    return lines


def fifths_table(sim: Simulation, seed: int) -> list[str]:
    """Adapt on four fifths of the patients, decide on the fifth left out; every image is
    judged once, by a version that never saw its patient; the decisions pooled."""
    parts = patient_parts(sim.site, 5, seed)
    lines = header("rule (5 versions, each adapted on 4/5)", "installed")
    for rule, options in RULES.items():
        probabilities = np.zeros(len(sim.site.labels))
        thresholds = np.zeros(len(sim.site.labels))
        installed = 0
        for index, held_out in enumerate(parts):
            reviews = np.concatenate([part for i, part in enumerate(parts) if i != index])
            candidate = sim.adapt(reviews, options)
            probabilities[held_out], thresholds[held_out] = sim.installed_probabilities(
                candidate, held_out
            )
            installed += not candidate.failures
        labels = sim.site.labels
        figures = decision_metrics(labels, probabilities >= thresholds, probabilities)
        lines.append(row(rule, figures, f"{installed}/{len(parts)}"))
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=SHIPPED_MODEL_DIR)
    parser.add_argument("--splits", type=int, default=4, help="patient splits into halves")
    parser.add_argument("--repeats", type=int, default=3, help="draws per learning-curve size")
    parser.add_argument("--sizes", type=int, nargs="*", default=[20, 40, 80, 160])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-train", action="store_true", help="mix no training images in")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    card = read_card(args.model)
    clock = adaptation.Clock(None, print)
    predictor = Predictor(args.model)
    images = labelled.images_from_folder(args.data_dir, card)
    site = adaptation.score(predictor, images, clock)
    training = None
    if not args.no_train:
        folder = detect_layout(args.data_dir).train
        sample = labelled.images_from_folder(folder, card, adaptation.TRAINING_IMAGES)
        training = adaptation.score(predictor, sample, clock)
    with tempfile.TemporaryDirectory() as root:
        sim = Simulation(args.model, card, images, site, training, Path(root))
        for table in (
            halves_table(sim, range(args.seed, args.seed + args.splits)),
            fifths_table(sim, args.seed),
        ):
            print("\n".join(["", *table, ""]), flush=True)
    parts = patient_parts(site, 2, args.seed)
    curve = learning_curve(site, training, card, parts, args, clock)
    print("\n".join(["", *curve]))
    runs = len(RULES) * (2 * args.splits + 5) + len(args.sizes) * args.repeats * 2
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
