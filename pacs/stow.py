"""DICOMweb STOW-RS (PS3.18 10.5) without Django: the instances of a
``multipart/related; type="application/dicom"`` body, and the response dataset.

The body is parsed with the standard library's MIME parser (email, HTTP policy); the
caller has already capped its size, so nothing here reads without bound.
"""

from __future__ import annotations

import email.policy
from collections.abc import Sequence
from dataclasses import dataclass
from email.parser import BytesParser

from pydicom import Dataset

DICOM = "application/dicom"
# FailureReason (0008,1197) values of PS3.18 Table 10.5.3-1 / PS3.4 Annex B.
CANNOT_UNDERSTAND = 0xC000


class StowRejected(ValueError):
    """The request as a whole cannot be read; the message says why."""


@dataclass(frozen=True)
class Part:
    """One part of the body: its bytes when it is a DICOM instance."""

    content_type: str
    data: bytes


def body_parts(content_type: str, body: bytes) -> list[Part]:
    """The parts of a multipart/related body (StowRejected when it is not one)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    try:
        message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    except (ValueError, TypeError) as exc:
        raise StowRejected(f"The body is not a readable multipart message ({exc}).") from None
    if message.get_content_type() != "multipart/related" or not message.is_multipart():
        raise StowRejected('The body must be multipart/related; type="application/dicom".')
    if message.get_param("type", DICOM) != DICOM:
        raise StowRejected('Only type="application/dicom" is accepted (no DICOM JSON or XML).')
    if message.defects:
        raise StowRejected("The multipart body is malformed (a boundary is missing or wrong).")
    parts = [
        Part(part.get_content_type(), part.get_payload(decode=True) or b"")
        for part in message.iter_parts()
    ]
    if not parts:
        raise StowRejected("The body holds no part.")
    return parts


@dataclass(frozen=True)
class Outcome:
    """One instance as the response names it: its UIDs (when it could be read) and, for
    a failure, the DICOM status."""

    sop_class: str
    sop_instance: str
    failure: int | None = None


def response(outcomes: Sequence[Outcome]) -> tuple[int, dict]:
    """The HTTP status (200 all stored, 202 some, 409 none) and the DICOM JSON body."""
    dataset = Dataset()
    stored = [outcome for outcome in outcomes if outcome.failure is None]
    failed = [outcome for outcome in outcomes if outcome.failure is not None]
    dataset.ReferencedSOPSequence = [_item(outcome) for outcome in stored]
    if failed:
        dataset.FailedSOPSequence = [_item(outcome) for outcome in failed]
    status = 200 if not failed else 202 if stored else 409
    return status, dataset.to_json_dict()


def _item(outcome: Outcome) -> Dataset:
    item = Dataset()
    item.ReferencedSOPClassUID = outcome.sop_class
    item.ReferencedSOPInstanceUID = outcome.sop_instance
    if outcome.failure is not None:
        item.FailureReason = outcome.failure
    return item
