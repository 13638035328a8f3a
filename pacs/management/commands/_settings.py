"""What both hospital-side commands check before they start: one line per problem."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError

from pacs import dicomweb, dimse
from pacs.sealing import IntegrationKeyError, check_key
from pacs.services import ConfigurationError, dicom_owner


def check_settings(*, listener: bool) -> None:
    """CommandError (its one line says what to fix) unless the settings are usable."""
    try:
        check_key()
        dimse.destination()
        dicomweb.destination()
        if listener:
            dicom_owner()
            if not 0 < settings.PNEUMO_DICOM_PORT < 65536:
                raise ConfigurationError(
                    f"PNEUMO_DICOM_PORT must be a port (1-65535), not {settings.PNEUMO_DICOM_PORT}."
                )
            if not 0 < len(settings.PNEUMO_DICOM_AE_TITLE.strip()) <= 16:
                raise ConfigurationError("PNEUMO_DICOM_AE_TITLE must be 1 to 16 characters.")
    except (IntegrationKeyError, ConfigurationError, ValueError) as exc:
        raise CommandError(str(exc)) from None
