"""``python manage.py model_versions``: the installed model versions; --activate one."""

from __future__ import annotations

from django.core.management.base import CommandError

from diagnosis import active_model
from diagnosis.management.commands._quiet import QuietCommand


def held_out(figures: dict) -> str:
    if not figures:
        return "-"
    names = ("roc_auc", "sensitivity", "specificity")
    return " ".join(f"{name} {figures[name]:.3f}" for name in names)


class Command(QuietCommand):
    help = (
        "List the shipped model and the site versions (* marks the active one); --activate "
        "VERSION (or 'shipped') rolls back or forward: web workers on every machine switch "
        "at their next prediction."
    )

    def add_arguments(self, parser):
        parser.add_argument("--activate", metavar="VERSION", help="a listed name, or shipped")

    def handle(self, *args, **options):
        from mlcore.artifact import versions
        from mlcore.errors import MlcoreError

        root, shipped = active_model.models_root(), active_model.shipped_model_dir()
        if options["activate"]:
            known = [version.name for version in versions.list_versions(root, shipped)]
            if options["activate"] not in known:
                raise CommandError(
                    f"No model version {options['activate'][:100]!r} here; the versions are: "
                    f"{', '.join(known)}."
                )
            try:
                card = active_model.activate(options["activate"], by="model_versions --activate")
            except MlcoreError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(self.style.SUCCESS(f"Active: {options['activate']} ({card.version})"))
        for version in versions.list_versions(root, shipped, active_model.active_name()):
            self.stdout.write(self.describe(version))

    def describe(self, version) -> str:
        mark = "*" if version.active else " "
        card = version.card
        if card is None:
            return f"{mark} {version.name}: no readable model in {version.folder}"
        adaptation = card.adaptation
        if adaptation is None:
            created = card.provenance.created_at or "-"
            return f"{mark} {version.name}: {card.version}, created {created}, threshold " + (
                f"{card.threshold:.3f}"
            )
        counts = adaptation.site_images
        notes = ", FORCED" if adaptation.forced else ""
        if adaptation.reviewers or adaptation.left_out:
            notes += f"; reviews by {', '.join(sorted(adaptation.reviewers)) or 'nobody'}"
            if adaptation.left_out:
                notes += f" (left out: {', '.join(sorted(adaptation.left_out))})"
        return (
            f"{mark} {version.name}: {adaptation.kind} adapted from {adaptation.from_version}, "
            f"created {adaptation.created_at}, {counts.get('normal', 0)} normal + "
            f"{counts.get('pneumonia', 0)} pneumonia site images, threshold "
            f"{card.threshold:.3f}; held out: before {held_out(adaptation.before)}, after "
            f"{held_out(adaptation.after)}{notes}"
        )
