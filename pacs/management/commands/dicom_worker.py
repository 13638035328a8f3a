"""Run the delivery worker: `python manage.py dicom_worker` (django-tasks' db_worker on the
"pacs" queue, after re-queueing what a killed worker left behind)."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand

from pacs.delivery import deliveries_requeue, references_clear
from pacs.management.commands._settings import check_settings


class Command(BaseCommand):
    help = "Send queued results (SR, Secondary Capture) to the PACS, with retries."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="Send what is due, then exit (for tests, cron)."
        )
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")

    def handle(self, *args, batch: bool, interval: float, **options) -> None:
        check_settings(listener=False)
        references_clear()
        requeued = deliveries_requeue()
        if requeued:
            self.stdout.write(f"{requeued} queued deliveries re-queued.")
        worker_options = {"queue_name": "pacs", "interval": interval, "batch": batch}
        call_command("db_worker", **worker_options, verbosity=options["verbosity"])
