"""Notes on the scan's page (its owner, or a reviewer who sees it) and in the exports,
with each scan's owner."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import AccessEvent
from diagnosis.models import Scan


def notes_url(scan: Scan) -> str:
    return reverse("diagnosis:scan-notes", kwargs={"pk": scan.pk})


def test_the_owner_writes_notes_on_the_page_and_they_are_exported(alice, alice_client, make_row):
    scan = make_row(alice, name="chest.png")
    assert 'id="notes-form"' in alice_client.get(scan.get_absolute_url()).content.decode()

    response = alice_client.post(notes_url(scan), {"notes": "=1+1 compare with last week"})

    assert response.status_code == 302
    assert Scan.objects.get(pk=scan.pk).notes == "=1+1 compare with last week"
    assert AccessEvent.objects.filter(action="notes", scan_id=scan.pk, via="page").exists()
    csv = b"".join(alice_client.get(reverse("diagnosis:scan-export")).streaming_content)
    header, row = csv.decode().splitlines()[:2]
    assert header.startswith("id,uploaded_at,owner,original_filename,") and header.endswith(
        ",notes"
    )
    assert ",alice,chest.png," in row and row.endswith(",'=1+1 compare with last week")
    api = APIClient()
    api.force_authenticate(alice)
    (exported,) = api.get(reverse("api:scan-export")).json()
    assert exported["owner"] == "alice" and exported["notes"] == "=1+1 compare with last week"


def test_others_cannot_write_notes_and_too_long_notes_are_refused(alice, bob, make_row):
    scan = make_row(alice)
    client = Client()
    client.force_login(bob)
    assert client.post(notes_url(scan), {"notes": "x"}).status_code == 404
    owner = Client(raise_request_exception=False)
    owner.force_login(alice)
    response = owner.post(notes_url(scan), {"notes": "x" * 10_001})
    assert response.status_code == 400 and b"at most 10000 characters" in response.content
    assert Scan.objects.get(pk=scan.pk).notes == ""
