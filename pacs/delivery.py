"""Sending a queued result to the PACS, once: fetch the source header again (C-FIND),
build the SR and Secondary Capture in memory, C-STORE them, record the outcome. Result
objects are sent, never stored; a failure is retried with backoff by the task queue."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
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
    """The objects this delivery sends, made from the source header fetched again."""
    received = delivery.received
    finding = finding_of(received, delivery.kind)
    if delivery.kind == Delivery.Kind.REVIEW:
        first = results.structured_report(
            header, finding_of(received, Delivery.Kind.RESULT), **_uids(received, ref, "sr")
        )
        return [
            results.structured_report(
                header,
                finding,
                predecessor=first,
                **_uids(received, ref, f"sr:review-{delivery.pk}"),
            )
        ]
    objects = [results.structured_report(header, finding, **_uids(received, ref, "sr"))]
    if received.scan is not None and received.scan.is_recognised:
        picture, heatmap = _picture(received.scan)
        pixels = results.annotated(picture, heatmap, finding)
        objects.append(
            results.secondary_capture(header, pixels, finding, **_uids(received, ref, "sc"))
        )
    return objects


def _send(delivery: Delivery) -> None:
    """To each configured destination: the source header fetched again, then the results
    (their UIDs are fixed, so a PACS given one again files it once)."""
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
        store(result_objects(delivery, header, ref))


def delivery_attempt(delivery_id: int) -> str:
    """Try one queued delivery; a row lock keeps two workers from sending it twice."""
    from pacs.tasks import deliver

    with transaction.atomic():
        delivery = (
            # The delivery's row only: PostgreSQL refuses FOR UPDATE on the nullable side of
            # the outer join to the scan (none when the instance was not analysed).
            Delivery.objects.select_for_update(of=("self",))
            .select_related("received__scan")
            .filter(pk=delivery_id, state=Delivery.State.QUEUED)
            .first()
        )
        if delivery is None:
            return "nothing to send"
        if delivery.next_attempt_at and delivery.next_attempt_at > timezone.now():
            return "not due yet"
        delivery.attempts += 1
        try:
            with transaction.atomic():  # a savepoint: the attempt is recorded whatever fails
                _send(delivery)
        except (dimse.DeliveryError, IntegrationKeyError, ValueError, OSError) as exc:
            return _failed(delivery, str(exc)[:300], deliver)
        except Exception as exc:  # a bug must not lose the result: retried, and logged
            logger.exception("Delivery %s: unexpected failure", delivery.pk)
            return _failed(delivery, f"Internal error ({type(exc).__name__}).", deliver)
        delivery.state, delivery.sent_at, delivery.last_error = (
            Delivery.State.SENT,
            timezone.now(),
            "",
        )
        delivery.save()
    logger.info("Delivery %s sent (attempt %s)", delivery.pk, delivery.attempts)
    return "sent"


def _failed(delivery: Delivery, error: str, deliver) -> str:
    delivery.last_error = error
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
    deliver.using(run_after=delivery.next_attempt_at).enqueue(delivery.pk)
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
    the row lock and the state make any duplicate a no-op."""
    from pacs.tasks import deliver

    pending = list(
        Delivery.objects.filter(state=Delivery.State.QUEUED).values_list("pk", flat=True)
    )
    for pk in pending:
        deliver.enqueue(pk)
    return len(pending)


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
