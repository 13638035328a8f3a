"""The hospital side's answers to what happens in the diagnosis app."""

from __future__ import annotations

import logging

from diagnosis.models import Scan
from pacs.models import Delivery, ReceivedInstance
from pacs.services import delivery_queue

logger = logging.getLogger(__name__)


def review_to_pacs(sender, *, scan: Scan, finding: str, **kwargs) -> None:
    """A confirmed finding of a scan the PACS sent: a verified SR, queued with the review."""
    if not finding:
        return  # a cleared review sends nothing: the PACS keeps what it has
    received = ReceivedInstance.objects.filter(scan=scan).first()
    if received is None:
        return
    if delivery_queue(received, Delivery.Kind.REVIEW) is None:
        logger.info("Scan %s reviewed: no verified SR (no destination, or no reference)", scan.pk)
