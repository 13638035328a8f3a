"""Reading the audit trail: its rows by the filters staff use on the page and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import AccessEvent


@dataclass(frozen=True)
class AuditFilters:
    user: str = ""
    scan: int | None = None
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events(filters: AuditFilters) -> QuerySet[AccessEvent]:
    """Newest first; dates are whole days in the site's time zone, both ends included."""
    events = AccessEvent.objects.all()
    if filters.user:
        events = events.filter(username=filters.user)
    if filters.scan is not None:
        events = events.filter(scan_id=filters.scan)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.date_from:
        events = events.filter(at__gte=_day_start(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=_day_start(filters.date_to) + timedelta(days=1))
    return events.order_by("-at", "-id")
