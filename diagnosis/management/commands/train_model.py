"""``python manage.py train_model``: the options of ``python -m mlcore.cli.train``, then
:func:`mlcore.training.train`."""

from __future__ import annotations

from django.core.management.base import CommandError

from diagnosis.management.commands._quiet import QuietCommand


class Command(QuietCommand):
    help = "Train the pneumonia model on the Kaggle chest X-ray layout and write its artifact."

    def add_arguments(self, parser):
        from mlcore.cli.train import add_arguments

        add_arguments(parser)

    def handle(self, *args, **options):
        from mlcore.cli.train import config_from_options
        from mlcore.errors import MlcoreError
        from mlcore.training import train

        try:
            output, card = train(config_from_options(options))
        except MlcoreError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Model {card.version} written to {output}"))
