"""The delivery queue: django-tasks with its database backend (TASKS in settings)."""

from __future__ import annotations

from django_tasks import task


@task(queue_name="pacs")
def deliver(delivery_id: int) -> str:
    """Send one queued result to the PACS (pacs.delivery.delivery_attempt)."""
    from pacs.delivery import delivery_attempt

    return delivery_attempt(delivery_id)
