"""Run the DICOM storage node: `python manage.py dicom_listener` (stop: Ctrl-C or SIGTERM)."""

from __future__ import annotations

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pacs.listener import serve
from pacs.management.commands._settings import check_settings


class Command(BaseCommand):
    help = "Receive chest X-rays from the PACS over DICOM (C-STORE, C-ECHO) and analyse them."

    def handle(self, *args, **options) -> None:
        check_settings(listener=True)
        stop = threading.Event()
        for name in (signal.SIGTERM, signal.SIGINT):
            signal.signal(name, lambda *_: stop.set())
        try:
            serve(stop)
        except OSError as exc:  # the port is taken, or the address is not this host's
            raise CommandError(
                f"Cannot listen on {settings.PNEUMO_DICOM_BIND}:{settings.PNEUMO_DICOM_PORT}"
                f" ({exc.strerror or exc}): set PNEUMO_DICOM_PORT or PNEUMO_DICOM_BIND."
            ) from None
