"""Responses shared by the pages and the API."""

from __future__ import annotations

import logging

from django.http import FileResponse, Http404

from diagnosis.models import Scan

logger = logging.getLogger(__name__)

STORED_FILE_KINDS = ("image", "thumbnail", "heatmap", "saliency")
# Made on first request from the model, for recognised scans only.
MAP_KINDS = ("heatmap", "saliency")


def stored_file_response(scan: Scan, kind: str) -> FileResponse:
    """A scan's stored image; the caller has already checked who may see the scan."""
    if kind not in STORED_FILE_KINDS:
        raise Http404("No such file.")
    field = getattr(scan, kind)
    try:
        handle = field.open("rb")
    except (FileNotFoundError, ValueError):  # ValueError: no file stored in the field
        logger.error("Scan %s: stored file %s is missing", scan.pk, field.name)
        raise Http404("The stored image is missing.") from None
    # X-ray copies are JPEGs (PNGs for scans stored before), maps PNGs
    content_type = "image/png" if field.name.endswith(".png") else "image/jpeg"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response
