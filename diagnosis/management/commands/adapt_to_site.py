"""``python manage.py adapt_to_site``: a guarded, versioned model for this site from its
reviewed scans (or a labelled folder); see mlcore.site.adaptation."""

from __future__ import annotations

from pathlib import Path

from django.core.files.storage import default_storage
from django.core.management.base import CommandError

from diagnosis import active_model
from diagnosis.management.commands._quiet import QuietCommand
from diagnosis.management.commands._site import (
    add_site_arguments,
    finish,
    min_specificity,
    report,
)
from diagnosis.selectors import SiteReview, site_reviews


def stored_images(reviews: list[SiteReview]):
    """(stored JPEG bytes, label, patient group) of each review, as mlcore reads them."""
    for review in reviews:
        with default_storage.open(review.image, "rb") as handle:
            yield handle.read(), review.label, review.group


class Command(QuietCommand):
    help = (
        "Adapt the active model to this site from its reviewed scans (or --data-dir): a new "
        "last layer, calibration and threshold, checked against the active model on held-out "
        "reviews by nested cross-validation; --install writes it as a new version and "
        "activates it."
    )

    def add_arguments(self, parser):
        add_site_arguments(parser)  # --data-dir: a labelled folder instead of the reviews
        parser.add_argument("--train-dir", type=Path, help="training images to mix in")
        parser.add_argument("--sensitivity-margin", type=float, default=0.0)
        parser.add_argument("--install", action="store_true", help="write and activate it")
        parser.add_argument("--max-minutes", type=float, help="time budget")
        parser.add_argument(
            "--trust-reviewer",
            action="append",
            default=[],
            metavar="NAME",
            help="keep this reviewer's reviews though they are out of line with the rest "
            "(a person who knows them confirms); repeatable",
        )

    def handle(self, *args, **options):
        from mlcore.artifact.files import read_card
        from mlcore.errors import MlcoreError
        from mlcore.site import adaptation, labelled

        settings = adaptation.Options(
            target_sensitivity=options["target_sensitivity"],
            min_specificity=min_specificity(options),
            sensitivity_margin=options["sensitivity_margin"],
            min_per_class=options["min_per_class"],
            force=options["force"],
            max_minutes=options["max_minutes"],
        )
        clock = adaptation.Clock(settings.max_minutes, self.stdout.write)
        try:
            model_dir = active_model.active_model_dir()
            card = read_card(model_dir)
            clock.step("reading the site's labelled images")
            contributors = None
            if options["data_dir"]:
                site = labelled.images_from_folder(options["data_dir"], card)
            else:
                reviews, contributors = self.trusted_reviews(options["trust_reviewer"])
                site = labelled.images_from_uploads(stored_images(reviews), card)
            adaptation.check_counts(site, settings.min_per_class)
            training = self.training_images(options["train_dir"], card, clock)
            candidate = adaptation.adapt(model_dir, site, training, settings, clock=clock)
            if contributors is not None:
                candidate.card.adaptation.reviewers, candidate.card.adaptation.left_out = (
                    contributors
                )
            report(self, candidate)
            finish(self, candidate, write=options["install"])
        except MlcoreError as exc:
            raise CommandError(str(exc)) from None

    def trusted_reviews(self, trusted: list[str]) -> tuple[list[SiteReview], tuple[dict, dict]]:
        """The reviews to learn from: those of a reviewer far out of line with the rest
        (mlcore.site.reviewers) left out unless trusted; the table says who is which, and
        the counts (kept, left out) go into the card."""
        from mlcore.site.reviewers import reviewer_records

        reviews = site_reviews()
        records = reviewer_records(
            [review.reviewer for review in reviews], [review.agrees for review in reviews]
        )
        left_out = {r.name for r in records if r.flagged and r.name not in trusted}
        self.stdout.write("Reviewer                     reviews  agree with the model  others")
        for record in records:
            others = "-" if record.others is None else f"{record.others:.2f}"
            mark = ""
            if record.flagged:
                mark = (
                    "  trusted (--trust-reviewer)"
                    if record.name not in left_out
                    else ("  LEFT OUT: far out of line with the rest (--trust-reviewer to keep)")
                )
            self.stdout.write(
                f"{record.name[:28]:<29}{record.reviews:>7}  {record.agreement:>20.2f}  "
                f"{others:>6}{mark}"
            )
        counts = {r.name: r.reviews for r in records}
        kept = {name: n for name, n in counts.items() if name not in left_out}
        dropped = {name: n for name, n in counts.items() if name in left_out}
        return [r for r in reviews if r.reviewer not in left_out], (kept, dropped)

    def training_images(self, train_dir: Path | None, card, clock):
        from mlcore.data.dataset import default_data_dir, detect_layout, has_class_dirs
        from mlcore.site import adaptation, labelled

        if train_dir is None:
            default = default_data_dir() / "train"
            if not has_class_dirs(default):
                self.stdout.write(
                    f"No training images mixed in: no --train-dir, and {default} has no "
                    "NORMAL/ and PNEUMONIA/."
                )
                return None
            train_dir = default
        elif not has_class_dirs(train_dir):
            train_dir = detect_layout(train_dir).train
        clock.step(f"reading {adaptation.TRAINING_IMAGES} training images from {train_dir}")
        return labelled.images_from_folder(train_dir, card, adaptation.TRAINING_IMAGES)
