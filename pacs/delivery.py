"""Sending a queued result to the PACS, once: fetch the source header again (C-FIND),
build the SR and Secondary Capture in memory, C-STORE them, record the outcome. Result
objects are sent, never stored; a failure is retried with backoff by the task queue."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from PIL import Image
from pydicom import Dataset
from pydicom.valuerep import PersonName

from diagnosis.errors import ApplicationError
from diagnosis.models import Scan
from diagnosis.services import scan_heatmap
from pacs import dicomweb, dimse, results
from pacs.models import Delivery, ReceivedInstance
from pacs.sealing import IntegrationKeyError, SourceReference, uid_secret, unseal

logger = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)


def finding_of(received: ReceivedInstance, kind: str) -> results.Finding:
    """What the result says, from the scan (or why there is none); a review's result says
    the clinician's finding, whatever the model or the gate said."""
    scan = received.scan
    if scan is None:
        return results.Finding("not_analysed", "", reason=received.reason)
    if kind == Delivery.Kind.REVIEW and scan.is_reviewed:
        return results.Finding(
            scan.review_finding,
            scan.model_version,
            score=scan.score,
            cutoff=scan.cutoff,
            band=scan.band,
            reviewer=_person_name(scan.reviewed_by),
            reviewed_at=scan.reviewed_at,
        )
    if not scan.is_recognised:
        return results.Finding("not_recognised", scan.model_version, reason=received.reason)
    return results.Finding(
        scan.predicted_class,
        scan.model_version,
        score=scan.score,
        cutoff=scan.cutoff,
        band=scan.band,
    )


def _person_name(user) -> str:
    """The reviewer as a DICOM person name (family^given), their user name without one."""
    if user is None:
        return "Reviewer^"
    if user.last_name or user.first_name:
        return str(PersonName.from_named_components(user.last_name, user.first_name))
    return f"{user.get_username()}^"


def _uids(received: ReceivedInstance, ref: SourceReference, part: str) -> dict[str, str]:
    secret = uid_secret()
    return {
        "sop_instance_uid": results.result_uid(secret, received.pk, part),
        "series_instance_uid": results.result_uid(secret, ref.study, part.split(":")[0]),
    }


def _picture(scan: Scan) -> tuple[Image.Image, Image.Image | None]:
    with scan.image.open("rb") as handle:
        picture = Image.open(handle).convert("L")
    try:
        scan = scan_heatmap(scan=scan)
    except ApplicationError as exc:  # no model here: the capture goes without the map
        logger.warning("Scan %s: no heatmap for the PACS (%s)", scan.pk, exc)
        return picture, None
    with scan.heatmap.open("rb") as handle:
        return picture, Image.open(handle).convert("RGB")


def result_objects(delivery: Delivery, header: Dataset, ref: SourceReference) -> list[Dataset]:
    """What this delivery sends: a report (the model's or a review's), or the capture."""
    if delivery.kind == Delivery.Kind.CAPTURE:
        return capture_objects(delivery, header, ref)
    return report_objects(delivery, header, ref)


def report_objects(delivery: Delivery, header: Dataset, ref: SourceReference) -> list[Dataset]:
    """The Structured Report this delivery sends (a review's names the first as its
    predecessor), made from the source header fetched again."""
    received = delivery.received
    first = results.structured_report(
        header, finding_of(received, Delivery.Kind.RESULT), **_uids(received, ref, "sr")
    )
    if delivery.kind != Delivery.Kind.REVIEW:
        return [first]
    return [
        results.structured_report(
            header,
            finding_of(received, delivery.kind),
            predecessor=first,
            **_uids(received, ref, f"sr:review-{delivery.pk}"),
        )
    ]


def capture_objects(delivery: Delivery, header: Dataset, ref: SourceReference) -> list[Dataset]:
    """The Secondary Capture with the heatmap and the model's verdict drawn (none for a
    scan that was not recognised)."""
    received = delivery.received
    if not (received.scan and received.scan.is_recognised):
        return []
    finding = finding_of(received, delivery.kind)
    picture, heatmap = _picture(received.scan)
    pixels = results.annotated(picture, heatmap, finding)
    return [results.secondary_capture(header, pixels, finding, **_uids(received, ref, "sc"))]


def _send(delivery: Delivery) -> None:
    """To each configured destination: the source header fetched again, then the objects.
    Their UIDs are fixed, so a PACS given one again files it once."""
    peer, url = dimse.destination(), dicomweb.destination()
    if peer is None and url is None:
        raise dimse.DeliveryError("Neither PNEUMO_DICOM_DESTINATION nor a DICOMweb one is set.")
    ref = unseal(delivery.received.reference)
    routes = []
    if peer is not None:
        routes.append((partial(dimse.find_header, peer), partial(dimse.store, peer)))
    if url is not None:
        routes.append((partial(dicomweb.find_header, url), partial(dicomweb.store, url)))
    for find_header, store in routes:
        header = find_header(ref)
        if header is None:
            raise dimse.DeliveryError("The PACS does not (yet) hold the source instance.")
        if objects := result_objects(delivery, header, ref):
            store(objects)


def lease() -> timedelta:
    """How long a claimed delivery stays its worker's: past the slowest send (each network
    step waits at most PNEUMO_DICOM_TIMEOUT, a heatmap at most PNEUMO_PREDICT_TIMEOUT)."""
    seconds = 8 * settings.PNEUMO_DICOM_TIMEOUT + 2 * settings.PNEUMO_PREDICT_TIMEOUT
    return timedelta(seconds=max(60, seconds))


def _claim(delivery_id: int) -> Delivery | str:
    """The delivery, claimed for this worker (one conditional UPDATE, so two workers never
    both win), or why not: sent already, not due, or another worker's for now."""
    from pacs.tasks import delivery_enqueue

    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    claimed = Delivery.objects.filter(
        due, free, pk=delivery_id, state=Delivery.State.QUEUED
    ).update(claimed_until=now + lease(), attempts=F("attempts") + 1, updated_at=now)
    if claimed:
        return Delivery.objects.select_related("received__scan").get(pk=delivery_id)
    delivery = Delivery.objects.filter(pk=delivery_id, state=Delivery.State.QUEUED).first()
    if delivery is None:
        return "nothing to send"
    if delivery.next_attempt_at and delivery.next_attempt_at > now:
        return "not due yet"  # its retry's task is queued for then
    # Another worker is sending it; look again when its lease ends, in case that one died.
    delivery_enqueue(delivery, run_after=delivery.claimed_until)
    return "being sent by another worker"


def delivery_attempt(delivery_id: int) -> str:
    """Try one queued delivery. It is claimed for a lease first and sent outside any
    transaction, so that no database lock is held while the PACS answers."""
    delivery = _claim(delivery_id)
    if isinstance(delivery, str):
        return delivery
    try:
        _send(delivery)
    except (dimse.DeliveryError, IntegrationKeyError, ValueError, OSError) as exc:
        return _failed(delivery, str(exc)[:300])
    except Exception as exc:  # a bug must not lose the result: retried, and logged
        logger.exception("Delivery %s: unexpected failure", delivery.pk)
        return _failed(delivery, f"Internal error ({type(exc).__name__}).")
    delivery.state, delivery.sent_at, delivery.last_error = (
        Delivery.State.SENT,
        timezone.now(),
        "",
    )
    delivery.claimed_until = None
    delivery.save()
    logger.info("Delivery %s sent (attempt %s)", delivery.pk, delivery.attempts)
    return "sent"


def _failed(delivery: Delivery, error: str) -> str:
    from pacs.tasks import delivery_enqueue

    delivery.last_error, delivery.claimed_until = error, None
    if delivery.attempts >= settings.PNEUMO_DELIVERY_ATTEMPTS:
        delivery.state = Delivery.State.FAILED
        delivery.save()
        logger.error("Delivery %s failed for good: %s", delivery.pk, error)
        return "failed"
    wait = min(
        timedelta(seconds=settings.PNEUMO_DELIVERY_BACKOFF_SECONDS * 2 ** (delivery.attempts - 1)),
        MAX_BACKOFF,
    )
    delivery.next_attempt_at = timezone.now() + wait
    delivery.save()
    delivery_enqueue(delivery, run_after=delivery.next_attempt_at)
    logger.warning(
        "Delivery %s failed (attempt %s), again in %s: %s",
        delivery.pk,
        delivery.attempts,
        wait,
        error,
    )
    return "retrying"


def deliveries_requeue() -> int:
    """A task for every queued delivery (a worker killed mid-send left its task claimed):
    the claim and the state make any duplicate a no-op."""
    from pacs.tasks import delivery_enqueue

    pending = list(Delivery.objects.filter(state=Delivery.State.QUEUED).only("pk", "kind"))
    for delivery in pending:
        delivery_enqueue(delivery)
    return len(pending)


_CLEARING_EVERY = timedelta(minutes=1)
_cleared = {"at": timezone.now() - _CLEARING_EVERY}


def references_clear_due() -> None:
    """references_clear, unless this process did it within the last minute: one UPDATE a
    delivery would be a write on every delivery in a burst, for references that expire
    in days."""
    now = timezone.now()
    if now - _cleared["at"] >= _CLEARING_EVERY:
        _cleared["at"] = now
        references_clear()


def references_clear() -> int:
    """Forget the source UIDs of instances whose deliveries all ended (or that had none)
    PNEUMO_INTEGRATION_RETENTION_DAYS ago: a later review then sends nothing."""
    cutoff = timezone.now() - timedelta(days=settings.PNEUMO_INTEGRATION_RETENTION_DAYS)
    pending = Delivery.objects.filter(state=Delivery.State.QUEUED).values("received")
    recent = Delivery.objects.filter(updated_at__gte=cutoff).values("received")
    stale = (
        ReceivedInstance.objects.exclude(reference="")
        .filter(last_received_at__lt=cutoff)
        .exclude(pk__in=pending)
        .exclude(pk__in=recent)
    )
    cleared = stale.update(reference="")
    if cleared:
        logger.info("Cleared the sealed references of %s received instances", cleared)
    return cleared
