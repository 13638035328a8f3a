"""Where a scan's result was sent, told by the app that sends it: the hospital side (pacs)
registers a teller at start-up, so that the pages and the API show the delivery state
without the diagnosis app importing it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from diagnosis.models import Scan


@dataclass(frozen=True)
class DeliveryState:
    """One result object set sent (or to be sent) somewhere about a scan."""

    # "result" (the model's SR), "capture" (its heatmap picture) or "review" (a clinician's,
    # verified SR)
    kind: str
    kind_label: str
    state: str  # "queued", "sent" or "failed"
    attempts: int
    last_error: str
    updated_at: datetime
    sent_at: datetime | None


Teller = Callable[[Scan], list[DeliveryState]]
_tellers: list[Teller] = []


def register(teller: Teller) -> None:
    if teller not in _tellers:
        _tellers.append(teller)


def scan_deliveries(scan: Scan) -> list[DeliveryState]:
    """Every delivery of ``scan``'s results, oldest first (none for an upload)."""
    if scan.source == Scan.Source.UPLOAD:
        return []
    return [state for teller in _tellers for state in teller(scan)]
