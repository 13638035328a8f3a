"""Receiving an instance from the PACS, and recording what is to be sent back.

Every instance goes through the same upload service as the form and the API
(diagnosis.services.scan_upload): the same sandboxed decoder, limits, gate and
de-identification, owned by PNEUMO_DICOM_OWNER. The scan, the instance's row and its
queued delivery are written in one transaction, so the listener answers Success only
once all three are stored: an instance it acknowledged is never lost.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from pydicom import Dataset, dcmread
from pydicom.errors import InvalidDicomError

from diagnosis.errors import NotConfigured, UploadRejected
from diagnosis.models import Scan
from diagnosis.services import Origin, megabytes, scan_upload
from pacs import stow
from pacs.models import Delivery, ReceivedInstance
from pacs.routing import route
from pacs.sealing import SourceReference, instance_key, seal

logger = logging.getLogger(__name__)

# DIMSE statuses (PS3.4 Annex B): the instance is kept, or refused and why.
SUCCESS = 0x0000
OUT_OF_RESOURCES = 0xA700
CANNOT_UNDERSTAND = 0xC000
PROCESSING_FAILURE = 0x0110


class ConfigurationError(NotConfigured, ValueError):
    """A setting the hospital side needs is missing or wrong; the message says which."""


@dataclass(frozen=True)
class Received:
    status: int
    outcome: str
    scan: Scan | None = None


def dicom_owner() -> AbstractBaseUser:
    """The user that owns received scans (PNEUMO_DICOM_OWNER)."""
    name = settings.PNEUMO_DICOM_OWNER
    if not name:
        raise ConfigurationError(
            "PNEUMO_DICOM_OWNER is not set: name the user that owns scans from the PACS."
        )
    try:
        return get_user_model().objects.get(**{get_user_model().USERNAME_FIELD: name})
    except get_user_model().DoesNotExist:
        raise ConfigurationError(
            f"PNEUMO_DICOM_OWNER names no user ({name[:40]!r}): create it first "
            "(python manage.py createsuperuser or /admin/)."
        ) from None


def _header(data: bytes) -> Dataset | None:
    try:
        header = dcmread(io.BytesIO(data), stop_before_pixels=True)
    except (InvalidDicomError, ValueError, EOFError, KeyError, TypeError, OSError):
        return None
    return header if "SOPInstanceUID" in header else None


def _reference(header: Dataset) -> SourceReference:
    return SourceReference(
        study=str(header.get("StudyInstanceUID", "")),
        series=str(header.get("SeriesInstanceUID", "")),
        instance=str(header.SOPInstanceUID),
        sop_class=str(header.get("SOPClassUID", "")),
    )


def instance_receive(data: bytes, *, source: str, calling_ae: str) -> Received:
    """Keep, analyse and queue the result of one received DICOM instance (its bytes, with
    the file meta); the status is the DIMSE status to answer with."""
    if len(data) > settings.PNEUMO_MAX_UPLOAD_BYTES:
        limit = megabytes(settings.PNEUMO_MAX_UPLOAD_BYTES)
        return instance_refuse(data, source, calling_ae, OUT_OF_RESOURCES, f"over {limit}")
    header = _header(data)
    if header is None:
        reason = "not a readable DICOM dataset"
        return instance_refuse(data, source, calling_ae, CANNOT_UNDERSTAND, reason)
    key = instance_key(str(header.SOPInstanceUID))
    again = ReceivedInstance.objects.filter(sop_key=key)
    if again.update(times_received=F("times_received") + 1):
        logger.info("Instance %s from %s received again: not analysed twice", key[:12], calling_ae)
        return Received(SUCCESS, again.get().outcome, again.get().scan)
    routed = route(header, settings.PNEUMO_DICOM_BODY_PARTS)
    if not routed.analyse:
        _record(key, source, calling_ae, ReceivedInstance.Outcome.SKIPPED, routed.reason)
        logger.info("Skipped instance %s from %s: %s", key[:12], calling_ae, routed.reason)
        return Received(SUCCESS, ReceivedInstance.Outcome.SKIPPED)
    return _analyse(data, header, key, source, calling_ae)


def instance_refuse(data: bytes, source: str, ae: str, status: int, reason: str) -> Received:
    """Count a refused instance (by a keyed hash of its bytes: it may have no UID)."""
    key = instance_key("refused:" + hashlib.sha256(data).hexdigest())
    again = ReceivedInstance.objects.filter(sop_key=key)
    if not again.update(times_received=F("times_received") + 1):
        _record(key, source, ae, ReceivedInstance.Outcome.REFUSED, reason)
    logger.warning("Refused an instance from %s: %s", ae, reason)
    return Received(status, ReceivedInstance.Outcome.REFUSED)


def _analyse(data: bytes, header: Dataset, key: str, source: str, ae: str) -> Received:
    upload = SimpleUploadedFile("instance.dcm", data, "application/dicom")
    with transaction.atomic():
        try:
            scan, _ = scan_upload(
                owner=dicom_owner(),
                uploaded_file=upload,
                reanalyse=True,
                origin=Origin(source, ae),
            )
        except UploadRejected as exc:
            outcome, reason, scan = ReceivedInstance.Outcome.NOT_ANALYSED, str(exc)[:300], None
        else:
            outcome = (
                ReceivedInstance.Outcome.ANALYSED
                if scan.is_recognised
                else ReceivedInstance.Outcome.NOT_RECOGNISED
            )
            reason = "" if scan.is_recognised else "not recognised as a frontal chest X-ray"
        received = _record(key, source, ae, outcome, reason, scan, _reference(header))
        delivery_queue(received)
        if scan is not None and scan.is_recognised:
            delivery_queue(received, Delivery.Kind.CAPTURE)
    logger.info("Instance %s from %s: %s", key[:12], ae, outcome)
    return Received(SUCCESS, outcome, scan)


def _record(
    key: str,
    source: str,
    ae: str,
    outcome: str,
    reason: str,
    scan: Scan | None = None,
    reference: SourceReference | None = None,
) -> ReceivedInstance:
    return ReceivedInstance.objects.create(
        sop_key=key,
        source=source,
        calling_ae=ae[:16],
        outcome=outcome,
        reason=reason,
        scan=scan,
        reference=seal(reference) if reference else "",
    )


def delivery_queue(received: ReceivedInstance, kind: str = Delivery.Kind.RESULT) -> Delivery | None:
    """Queue a result for the PACS (nothing when no destination is configured, or when
    the reference to the source has been cleared)."""
    destination = settings.PNEUMO_DICOM_DESTINATION or settings.PNEUMO_DICOMWEB_DESTINATION
    if not (destination and received.reference):
        return None
    from pacs.tasks import delivery_enqueue

    delivery = Delivery.objects.create(received=received, kind=kind)
    # The database backend writes the task in this transaction: with the scan, or not at all.
    delivery_enqueue(delivery)
    return delivery


def stow_receive(parts: Sequence[stow.Part], *, sender: str) -> list[stow.Outcome]:
    """Each part of a STOW-RS request received as the listener receives a C-STORE; what
    the response says of it (the UIDs go back to the sender, never into the database)."""
    dicom_owner()  # a missing owner is the request's 503, not one failure per part
    outcomes = []
    for part in parts:
        source, ae = Scan.Source.DICOMWEB, sender
        if part.content_type == stow.DICOM:
            received = instance_receive(part.data, source=source, calling_ae=ae)
        else:
            reason = "a part that is not application/dicom"
            received = instance_refuse(part.data, source, ae, CANNOT_UNDERSTAND, reason)
        header = _header(part.data) if received.status != CANNOT_UNDERSTAND else None
        outcomes.append(
            stow.Outcome(
                str(header.get("SOPClassUID", "")) if header else "",
                str(header.SOPInstanceUID) if header else "",
                None if received.status == SUCCESS else received.status,
            )
        )
    return outcomes
