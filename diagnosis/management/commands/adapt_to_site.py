"""``python manage.py adapt_to_site``: a guarded, versioned model for this site from its
reviewed scans (or a labelled folder); see mlcore.site.adaptation."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from diagnosis import active_model
from diagnosis.management.commands._site import (
    add_site_arguments,
    finish,
    min_specificity,
    report,
)
from diagnosis.models import Scan


def reviewed_uploads():
    """(stored JPEG bytes, label, patient group) of every reviewed scan the model judged.

    Scans the gate did not recognise are left out: the model gives them no verdict. Scans
    without a patient key count as their own patient.
    """
    reviewed = Scan.objects.filter(status=Scan.Status.PREDICTED).exclude(review_finding="")
    for scan in reviewed.order_by("id").iterator():
        with scan.image.open("rb") as handle:
            data = handle.read()
        label = int(scan.review_finding == Scan.PredictedClass.PNEUMONIA)
        yield data, label, scan.patient_key or f"scan-{scan.pk}"


class Command(BaseCommand):
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
            if options["data_dir"]:
                site = labelled.images_from_folder(options["data_dir"], card)
            else:
                site = labelled.images_from_uploads(reviewed_uploads(), card)
            adaptation.check_counts(site, settings.min_per_class)
            training = self.training_images(options["train_dir"], card, clock)
            candidate = adaptation.adapt(model_dir, site, training, settings, clock=clock)
            report(self, candidate)
            finish(self, candidate, write=options["install"])
        except MlcoreError as exc:
            raise CommandError(str(exc)) from None

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
