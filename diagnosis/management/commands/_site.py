"""What adapt_to_site and set_site_threshold share: the report and the install decision."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts import audit
from diagnosis import active_model
from diagnosis.models import to_score
from mlcore.artifact import versions
from mlcore.site.adaptation import Candidate, install


def add_site_arguments(parser) -> None:
    """The options both site commands take (defaults: mlcore.site.adaptation.Options)."""
    parser.add_argument("--data-dir", type=Path, help="labelled folder: NORMAL/, PNEUMONIA/")
    parser.add_argument("--target-sensitivity", type=float, default=0.95)
    parser.add_argument(
        "--min-specificity",
        type=float,
        default=0.90,
        help="specificity the threshold keeps too where the site's images allow both "
        "(0: sensitivity alone)",
    )
    parser.add_argument("--min-per-class", type=int, default=20)
    parser.add_argument("--force", action="store_true", help="install past failed checks")


def min_specificity(options: dict) -> float | None:
    """--min-specificity as mlcore.site.adaptation.Options takes it (0 turns it off)."""
    value = options["min_specificity"]
    if not 0.0 <= value < 1.0:
        raise CommandError(f"--min-specificity must be at least 0 and below 1, not {value:g}.")
    return value or None


def interval(figures: dict, name: str) -> str:
    low, high = figures["intervals"][name]
    return f"{figures[name]:.3f} ({low:.3f}-{high:.3f})"


def report(command: BaseCommand, candidate: Candidate) -> None:
    """The active model and the candidate on the same held-out reviews, 95% intervals."""
    adaptation = candidate.card.adaptation
    counts = adaptation.site_images
    command.stdout.write(
        f"Site images: {counts['normal']} normal, {counts['pneumonia']} pneumonia "
        f"({adaptation.source}); training images mixed in: {adaptation.training_images}"
    )
    reviews = counts["normal"] + counts["pneumonia"]
    command.stdout.write(
        f"Both models on the same {reviews} site images, each held out of every choice that "
        "scored it (nested cross-validation by patient); 95% intervals:"
    )
    rows = {f"active {adaptation.from_version}": adaptation.before, "candidate": adaptation.after}
    width = max(len(label) for label in rows) + 2
    command.stdout.write(
        f"{'':<{width}}{'ROC AUC':>22}{'sensitivity':>22}{'specificity':>22}{'accuracy':>22}"
    )
    names = ("roc_auc", "sensitivity", "specificity", "accuracy")
    for label, figures in rows.items():
        cells = "".join(f"{interval(figures, name):>22}" for name in names)
        command.stdout.write(f"{label:<{width}}{cells}")
    command.stdout.write(
        f"Cut-off {to_score(candidate.card.threshold):.1f} on the site's 0-100 scale "
        f"(probability {candidate.card.threshold:.3f}): {adaptation.threshold_rule}."
    )


def finish(command: BaseCommand, candidate: Candidate, *, write: bool) -> None:
    """Install (and activate) the candidate when allowed and asked; else say why not.

    A refusal, checked with or without ``write``, is a :class:`CommandError` (exit 1).
    """
    for failure in candidate.failures:
        command.stdout.write(command.style.WARNING(f"Check failed: {failure}."))
    active = candidate.card.adaptation.from_version
    if not candidate.installable:
        if write:
            audit.record(
                audit.Action.ADAPT,
                outcome=audit.Outcome.FAILED,
                detail=f"refused: {len(candidate.failures)} check(s) failed",
            )
        raise CommandError(
            f"Not installed: {len(candidate.failures)} check(s) failed; the active model stays "
            f"{active} (--force installs anyway)."
        )
    if not write:
        command.stdout.write("Dry run: nothing written (--install writes and activates it).")
        return
    root, shipped = active_model.models_root(), active_model.shipped_model_dir()
    card = install(candidate, root)
    with transaction.atomic():  # the trail's row and the switch, together
        audit.record(audit.Action.ADAPT, detail=f"{card.version} from {active}")
        active_model.activate(card.version, by=command.__module__.rsplit(".", 1)[-1])
    forced = " (forced past the failed checks)" if candidate.failures else ""
    command.stdout.write(
        command.style.SUCCESS(
            f"Installed and activated {card.version}{forced} in {root / card.version}; "
            f"web workers on every machine switch at their next prediction (rollback: "
            "model_versions --activate "
            f"{versions.name_of(root, shipped, active)})."
        )
    )
