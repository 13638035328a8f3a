"""What staff see of the hospital side: the listener's state, what it received, and the
queue of results for the PACS (the staff page and GET /api/integration/)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from pacs import dicomweb, dimse
from pacs.models import Delivery, ListenerState, ReceivedInstance

# A listener writes its heartbeat every HEARTBEAT; silent for three, it is counted down.
HEARTBEAT = timedelta(seconds=20)
RECENT_FAILURES = 20


def _listeners(now: datetime) -> list[dict]:
    return [
        {
            "address": row.address,
            "started_at": row.started_at,
            "seen_at": row.seen_at,
            "running": now - row.seen_at < 3 * HEARTBEAT,
        }
        for row in ListenerState.objects.order_by("address")
    ]


def _destinations() -> dict:
    try:
        peer, url = dimse.destination(), dicomweb.destination()
    except ValueError as exc:
        return {"dimse": None, "dicomweb": None, "error": str(exc)}
    return {
        "dimse": f"{peer.ae_title}@{peer.host}:{peer.port}" if peer else None,
        "dicomweb": dicomweb.host(url) if url else None,
        "error": "",
    }


def integration_status() -> dict:
    """Counts and states, no identifier: received instances by outcome, deliveries by
    state, the queue, the latest failures."""
    now = timezone.now()
    received = ReceivedInstance.objects.aggregate(
        last=Max("last_received_at"), again=Sum("times_received"), total=Count("id")
    )
    outcomes = dict(
        ReceivedInstance.objects.values_list("outcome").annotate(n=Count("id")).order_by()
    )
    states = dict(Delivery.objects.values_list("state").annotate(n=Count("id")).order_by())
    queued = Delivery.objects.filter(state=Delivery.State.QUEUED)
    failures = Delivery.objects.exclude(last_error="").order_by("-updated_at")
    return {
        "ae_title": settings.PNEUMO_DICOM_AE_TITLE,
        "listeners": _listeners(now),
        "last_received_at": received["last"],
        "received": {
            **{outcome: outcomes.get(outcome, 0) for outcome in ReceivedInstance.Outcome.values},
            "total": received["total"],
            "received_again": (received["again"] or 0) - received["total"],
        },
        "deliveries": {state: states.get(state, 0) for state in Delivery.State.values},
        "queue_length": queued.count(),
        "oldest_queued_at": queued.aggregate(oldest=Min("created_at"))["oldest"],
        "destinations": _destinations(),
        "recent_failures": [
            {
                "scan": row.received.scan_id,
                "kind": row.kind,
                "state": row.state,
                "attempts": row.attempts,
                "last_error": row.last_error,
                "updated_at": row.updated_at,
            }
            for row in failures.select_related("received")[:RECENT_FAILURES]
        ],
    }
