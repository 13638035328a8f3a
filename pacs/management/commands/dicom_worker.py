"""Run the delivery worker: `python manage.py dicom_worker` (django-tasks' database worker
on the "pacs" and "pacs-captures" queues, in PNEUMO_DELIVERY_THREADS threads, after
re-queueing what a killed worker left behind)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from pacs.delivery import deliveries_requeue, references_clear
from pacs.management.commands._settings import check_settings
from pacs.worker import run_workers


class Command(BaseCommand):
    help = "Send queued results (SR, Secondary Capture) to the PACS, with retries."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="Send what is due, then exit (for tests, cron)."
        )
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument(
            "--threads",
            type=int,
            default=None,
            help="Deliveries sent at once (default: PNEUMO_DELIVERY_THREADS).",
        )

    def handle(self, *args, batch: bool, interval: float, threads: int | None, **options) -> None:
        check_settings(listener=False)
        references_clear()
        requeued = deliveries_requeue()
        if requeued:
            self.stdout.write(f"{requeued} queued deliveries re-queued.")
        DbWorkerCommand(stdout=self.stdout).configure_logging(options["verbosity"])
        threads = settings.PNEUMO_DELIVERY_THREADS if threads is None else threads
        run_workers(threads, interval=interval, batch=batch)
