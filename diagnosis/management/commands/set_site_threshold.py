"""``python manage.py set_site_threshold``: the threshold-only case of adapt_to_site."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from diagnosis import active_model
from diagnosis.management.commands._quiet import QuietCommand
from diagnosis.management.commands._site import (
    add_site_arguments,
    finish,
    min_specificity,
    report,
)
from diagnosis.models import to_score


class Command(QuietCommand):
    help = (
        "Choose the model's decision threshold on labelled images from this site (a folder "
        "holding NORMAL/ and PNEUMONIA/, or its test/ split): the highest threshold that keeps "
        "the target sensitivity on them, the network unchanged. Written as a new site version "
        "and activated (web workers switch at their next prediction); --reset activates the "
        "version it was made from."
    )

    def add_arguments(self, parser):
        add_site_arguments(parser)
        parser.add_argument("--model", type=Path, help="artifact folder (default: active)")
        parser.add_argument("--reset", action="store_true", help="back to the version before")

    def handle(self, *args, **options):
        from mlcore.artifact.files import read_card
        from mlcore.errors import MlcoreError
        from mlcore.site import adaptation, labelled

        try:
            if options["reset"]:
                return self.reset()
            if options["data_dir"] is None:
                raise CommandError("Give --data-dir with this site's labelled images, or --reset.")
            model_dir = options["model"] or active_model.active_model_dir()
            site = labelled.images_from_folder(options["data_dir"], read_card(model_dir))
            settings = adaptation.Options(
                target_sensitivity=options["target_sensitivity"],
                min_specificity=min_specificity(options),
                min_per_class=options["min_per_class"],
                force=options["force"],
                threshold_only=True,
            )
            candidate = adaptation.adapt(model_dir, site, None, settings)
            report(self, candidate)
            finish(self, candidate, write=True)
        except MlcoreError as exc:
            raise CommandError(str(exc)) from None

    def reset(self) -> None:
        from mlcore.artifact import versions
        from mlcore.artifact.files import read_card

        card = read_card(active_model.active_model_dir())
        if card.adaptation is None:
            self.stdout.write(f"Model {card.version} is no site version: nothing to reset.")
            return
        root, shipped = active_model.models_root(), active_model.shipped_model_dir()
        name = versions.name_of(root, shipped, card.adaptation.from_version)
        if name is None:
            raise CommandError(f"Version {card.adaptation.from_version} is no longer installed.")
        card = active_model.activate(name, by="set_site_threshold --reset")
        self.stdout.write(
            f"Model {card.version} active again: cut-off {to_score(card.threshold):.1f} on the "
            f"0-100 scale ({card.threshold_rule})"
        )
