"""The PACS over DICOMweb (PNEUMO_DICOMWEB_DESTINATION, its base URL): the source header
with WADO-RS metadata, results with STOW-RS (dicomweb-client)."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

import requests
from django.conf import settings
from pydicom import Dataset

from pacs.dimse import HEADER_KEYS, DeliveryError
from pacs.sealing import SourceReference


def destination() -> str | None:
    """The configured DICOMweb base URL, or None; ValueError (one line) when malformed."""
    url = settings.PNEUMO_DICOMWEB_DESTINATION.rstrip("/")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(
            "PNEUMO_DICOMWEB_DESTINATION must be an http(s) URL (e.g. "
            f"http://127.0.0.1:8042/dicom-web), not {url[:60]!r}."
        )
    return url


def _client(url: str):
    from dicomweb_client import DICOMwebClient

    return DICOMwebClient(url, timeout=settings.PNEUMO_DICOM_TIMEOUT)


def host(url: str) -> str:
    """Host and port only: the URL's credentials, path and query stay out of messages."""
    parts = urlsplit(url)
    return f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)


def find_header(url: str, reference: SourceReference) -> Dataset | None:
    """The source's header (the attributes a result copies), None when the PACS has none."""
    try:
        metadata = _client(url).retrieve_instance_metadata(
            reference.study, reference.series, reference.instance
        )
    except requests.HTTPError as exc:
        if exc.response is not None and exc.response.status_code == 404:
            return None
        raise DeliveryError(
            f"The DICOMweb PACS at {host(url)} refused the metadata request."
        ) from None
    except requests.RequestException:
        raise DeliveryError(f"The DICOMweb PACS at {host(url)} did not answer.") from None
    # Bulk data (the pixels) is a URI here, and not needed: left out, not fetched.
    full = Dataset.from_json({tag: v for tag, v in metadata.items() if "BulkDataURI" not in v})
    header = Dataset()
    for keyword in (*HEADER_KEYS, "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID"):
        if keyword in full:
            setattr(header, keyword, full.data_element(keyword).value)
    header.SOPClassUID = reference.sop_class
    return header


def store(url: str, datasets: Sequence[Dataset]) -> None:
    """STOW-RS the results; DeliveryError unless every one is stored."""
    try:
        answer = _client(url).store_instances(list(datasets))
    except requests.RequestException:
        raise DeliveryError(
            f"The DICOMweb PACS at {host(url)} refused or did not answer the store."
        ) from None
    if answer.get("FailedSOPSequence"):  # Orthanc sends it empty when all is stored
        raise DeliveryError(
            f"The DICOMweb PACS at {host(url)} refused "
            f"{len(answer.FailedSOPSequence)} of {len(datasets)} results."
        )
