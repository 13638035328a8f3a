"""The delivery queue: django-tasks with its database backend (TASKS in settings)."""

from __future__ import annotations

from datetime import datetime

from django_tasks import task

from pacs.models import Delivery

# The findings (SRs) go before the heatmap pictures: in a burst the radiologist gets every
# finding first, and the captures, which wait on a heatmap each, follow. Captures have a
# queue of their own, so that some of the worker's threads never take one (pacs.worker).
REPORTS, CAPTURES = "pacs", "pacs-captures"
PRIORITY = {Delivery.Kind.RESULT: 10, Delivery.Kind.REVIEW: 10, Delivery.Kind.CAPTURE: 0}


@task(queue_name=REPORTS)
def deliver(delivery_id: int) -> str:
    """Send one queued result to the PACS (pacs.delivery.delivery_attempt), then, at most
    once a minute, clear the references past their retention (no scheduler needed)."""
    from pacs.delivery import delivery_attempt, references_clear_due

    outcome = delivery_attempt(delivery_id)
    references_clear_due()
    return outcome


def delivery_enqueue(delivery: Delivery, run_after: datetime | None = None) -> None:
    """A task for ``delivery``, at its kind's priority (and not before ``run_after``)."""
    queue = CAPTURES if delivery.kind == Delivery.Kind.CAPTURE else REPORTS
    deliver.using(queue_name=queue, priority=PRIORITY[delivery.kind], run_after=run_after).enqueue(
        delivery.pk
    )
