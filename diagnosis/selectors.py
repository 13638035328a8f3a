"""Reads. Who may see which scan is decided here and nowhere else."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from diagnosis.models import Scan


def scans_visible_to(user: AbstractBaseUser) -> QuerySet[Scan]:
    """A user's own scans; staff see everyone's."""
    scans = Scan.objects.select_related("owner")
    return scans if user.is_staff else scans.filter(owner=user)


def scans_deletable_by(user: AbstractBaseUser) -> QuerySet[Scan]:
    """Only the owner deletes a scan (staff use the admin for anything more)."""
    return Scan.objects.filter(owner=user)


def scan_list(user: AbstractBaseUser, *, predicted_class: str | None = None) -> QuerySet[Scan]:
    """Newest first, optionally only one predicted class ("pneumonia" or "normal")."""
    scans = scans_visible_to(user)
    if predicted_class in Scan.PredictedClass.values:
        scans = scans.filter(predicted_class=predicted_class)
    return scans.order_by("-created_at", "-id")
