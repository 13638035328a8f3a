"""Reads. Who may see which scan is decided here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, QuerySet

from diagnosis.models import Scan

# name -> (label, ordering); ties broken by id so pages never repeat or skip a row.
SORTS = {
    "newest": ("Newest first", ("-created_at", "-id")),
    "oldest": ("Oldest first", ("created_at", "id")),
    "probability_desc": (
        "Highest probability",
        (F("pneumonia_probability").desc(nulls_last=True), "-id"),
    ),
    "probability_asc": (
        "Lowest probability",
        (F("pneumonia_probability").asc(nulls_last=True), "-id"),
    ),
}


@dataclass(frozen=True)
class ScanFilters:
    filename: str = ""
    result: str = ""  # "pneumonia", "normal", "not_recognised" or "" for all
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "newest"


def scans_visible_to(user: AbstractBaseUser) -> QuerySet[Scan]:
    """A user's own scans; staff see everyone's."""
    scans = Scan.objects.select_related("owner")
    return scans if user.is_staff else scans.filter(owner=user)


def scans_deletable_by(user: AbstractBaseUser) -> QuerySet[Scan]:
    """Only the owner deletes a scan (staff use the admin for anything more)."""
    return Scan.objects.filter(owner=user)


def scan_list(user: AbstractBaseUser, filters: ScanFilters | None = None) -> QuerySet[Scan]:
    """The scans ``user`` may see, filtered and sorted (newest first by default)."""
    filters = filters or ScanFilters()
    scans = scans_visible_to(user)
    if filters.result == Scan.Status.NOT_RECOGNISED:
        scans = scans.filter(status=Scan.Status.NOT_RECOGNISED)
    elif filters.result in Scan.PredictedClass.values:
        scans = scans.filter(predicted_class=filters.result)
    if filters.filename:
        scans = scans.filter(original_filename__icontains=filters.filename)
    if filters.date_from:
        scans = scans.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        scans = scans.filter(created_at__date__lte=filters.date_to)
    _, ordering = SORTS.get(filters.sort, SORTS["newest"])
    return scans.order_by(*ordering)
