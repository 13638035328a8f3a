"""However a scan row goes, its stored files go with it, once the deletion commits."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.urls import reverse

from diagnosis.models import Scan
from diagnosis.tests.conftest import stored_files


def test_deleting_a_user_removes_the_files_of_their_scans(
    alice, bob, make_scan, settings, django_capture_on_commit_callbacks
):
    make_scan(alice, seed=1)
    make_scan(alice, seed=2)
    kept = make_scan(bob, seed=3)

    with django_capture_on_commit_callbacks(execute=True):
        alice.delete()

    assert list(Scan.objects.all()) == [kept]
    assert {p.name for p in stored_files(settings.MEDIA_ROOT)} == {
        kept.image.name.rsplit("/", 1)[-1],
        kept.thumbnail.name.rsplit("/", 1)[-1],
    }


def test_admin_bulk_delete_removes_the_files(
    staff, alice, make_scan, settings, client, django_capture_on_commit_callbacks
):
    staff.is_superuser = True
    staff.save()
    scans = [make_scan(alice, seed=seed) for seed in (1, 2)]
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:diagnosis_scan_changelist"),
            {"action": "delete_selected", "_selected_action": [s.pk for s in scans], "post": "yes"},
        )

    assert response.status_code == 302
    assert not Scan.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_admin_delete_of_one_scan_removes_its_files(
    staff, alice, make_scan, settings, client, django_capture_on_commit_callbacks
):
    staff.is_superuser = True
    staff.save()
    scan = make_scan(alice)
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:diagnosis_scan_delete", args=[scan.pk]), {"post": "yes"})

    assert not Scan.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_rolled_back_delete_keeps_the_files(alice, make_scan, settings):
    scan = make_scan(alice)
    pk = scan.pk

    with pytest.raises(RuntimeError), transaction.atomic():
        scan.delete()
        raise RuntimeError("the transaction fails after the delete")

    assert Scan.objects.filter(pk=pk).exists()
    assert len(stored_files(settings.MEDIA_ROOT)) == 2
