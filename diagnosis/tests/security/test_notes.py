"""A scan's notes: its owner edits them, a reviewer who sees it may, each change logged."""

from __future__ import annotations

import logging

from rest_framework.test import APIClient

from diagnosis.models import Scan


def patch_notes(user, scan: Scan, text: str):
    client = APIClient()
    client.force_authenticate(user)
    return client.patch(f"/api/scans/{scan.pk}/", {"notes": text}, format="json")


def test_the_owner_and_staff_edit_notes_and_each_change_is_logged(alice, staff, make_scan, caplog):
    scan = make_scan(alice)
    caplog.set_level(logging.INFO, logger="diagnosis.services.reviews")

    assert patch_notes(alice, scan, "mine").status_code == 200
    assert patch_notes(staff, scan, "a reviewer's").status_code == 200

    scan.refresh_from_db()
    assert scan.notes == "a reviewer's"
    logged = [r.getMessage() for r in caplog.records]
    assert f"Notes of scan {scan.pk} changed by user {alice.pk}" in logged
    assert f"Notes of scan {scan.pk} changed by user {staff.pk}" in logged


def test_someone_else_cannot_even_find_the_scan(alice, bob, make_scan):
    scan = make_scan(alice)

    assert patch_notes(bob, scan, "not mine").status_code == 404
    scan.refresh_from_db()
    assert scan.notes != "not mine"
