"""``python manage.py set_site_threshold``: the operating threshold from this site's images."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Choose the model's decision threshold on labelled images from this site (a folder "
        "holding NORMAL/ and PNEUMONIA/, or its test/ split): the highest threshold that keeps "
        "the target sensitivity on them. --reset restores the training threshold. Restart the "
        "web workers afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, help="labelled images from this site")
        parser.add_argument("--model", type=Path, help="artifact folder (default: installed)")
        parser.add_argument("--target-sensitivity", type=float, default=0.95)
        parser.add_argument("--reset", action="store_true", help="restore the training threshold")

    def handle(self, *args, **options):
        from mlcore import site
        from mlcore.artifact import default_model_dir
        from mlcore.errors import MlcoreError
        from mlcore.metrics import format_table

        model_dir = options["model"] or default_model_dir()
        try:
            if options["reset"]:
                card = site.reset_threshold(model_dir)
                self.stdout.write(
                    f"Model {card.version}: threshold {card.threshold:.3f} ({card.threshold_rule})"
                )
                return
            if options["data_dir"] is None:
                raise CommandError("Give --data-dir with this site's labelled images, or --reset.")
            result = site.set_site_threshold(
                model_dir, options["data_dir"], options["target_sensitivity"]
            )
        except MlcoreError as exc:
            raise CommandError(str(exc)) from None
        rows = {
            f"before @ {result.before['threshold']:.3f}": result.before,
            f"after @ {result.after['threshold']:.3f}": result.after,
        }
        self.stdout.write(format_table(rows))
        self.stdout.write(
            self.style.SUCCESS(f"Model {result.card.version}: {result.card.threshold_rule}.")
        )
        self.stdout.write(
            "These figures are on the images that chose the threshold: check it on other images "
            "of the site with evaluate_model. Restart the web workers to use it."
        )
