"""The hospital side's answers to what happens in the diagnosis app."""

from __future__ import annotations

import logging

from diagnosis.deliveries import DeliveryState
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


def deliveries_of(scan: Scan) -> list[DeliveryState]:
    """What the pages and the API say of a scan's deliveries (diagnosis.deliveries)."""
    rows = Delivery.objects.filter(received__scan=scan).order_by("created_at", "pk")
    return [
        DeliveryState(
            kind=row.kind,
            kind_label=row.get_kind_display(),
            state=row.state,
            attempts=row.attempts,
            last_error=row.last_error,
            updated_at=row.updated_at,
            sent_at=row.sent_at,
        )
        for row in rows
    ]
