"""Remove audit rows older than the retention period (PNEUMO_AUDIT_RETENTION_DAYS)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts import audit
from accounts.models import AccessEvent


class Command(BaseCommand):
    help = (
        "Delete access audit rows older than PNEUMO_AUDIT_RETENTION_DAYS (default 2192, six "
        "years); the prune itself is recorded. Run it daily (cron, a systemd timer)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would go; delete nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        days = settings.PNEUMO_AUDIT_RETENTION_DAYS
        if days < 1:
            raise CommandError(
                f"PNEUMO_AUDIT_RETENTION_DAYS is {days}: set it to a number of days >= 1."
            )
        before = timezone.now() - timedelta(days=days)
        expired = AccessEvent.objects.filter(at__lt=before)
        if dry_run:
            self.stdout.write(f"{expired.count()} rows older than {before:%Y-%m-%d} would go.")
            return
        with transaction.atomic():
            deleted = AccessEvent.objects.prune(before)
            audit.record(
                audit.Action.AUDIT_PRUNE,
                detail=f"{deleted} rows before {before:%Y-%m-%d} ({days} days kept)",
            )
        self.stdout.write(f"Deleted {deleted} audit rows older than {before:%Y-%m-%d}.")
