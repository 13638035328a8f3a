"""The delivery queue: django-tasks with its database backend (TASKS in settings)."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="pacs")
def deliver(delivery_id: int) -> str:
    """Send one queued result to the PACS (pacs.delivery.delivery_attempt), then clear
    the references past their retention (one UPDATE: no scheduler needed)."""
    from pacs.delivery import delivery_attempt, references_clear

    outcome = delivery_attempt(delivery_id)
    references_clear()
    return outcome
