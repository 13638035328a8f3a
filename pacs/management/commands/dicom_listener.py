"""Run the DICOM storage node: `python manage.py dicom_listener` (stop: Ctrl-C or SIGTERM)."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand

from pacs.listener import serve
from pacs.management.commands._settings import check_settings


class Command(BaseCommand):
    help = "Receive chest X-rays from the PACS over DICOM (C-STORE, C-ECHO) and analyse them."

    def handle(self, *args, **options) -> None:
        check_settings(listener=True)
        stop = threading.Event()
        for name in (signal.SIGTERM, signal.SIGINT):
            signal.signal(name, lambda *_: stop.set())
        serve(stop)
