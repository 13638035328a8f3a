"""`page_size` honoured up to a maximum; PATCH edits a scan's notes; the token endpoint is
documented under "auth" without a lock; the batch field is an array of files."""

import pytest
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from diagnosis.api.pagination import MAX_PAGE_SIZE


def test_page_size_is_honoured_and_echoed(alice_api, alice, make_row):
    for _ in range(5):
        make_row(alice)
    body = alice_api.get(reverse("api:scan-list"), {"page_size": 2}).json()

    assert len(body["results"]) == 2
    assert "page_size=2" in body["next"]


def test_page_size_is_capped(alice_api, alice, make_row):
    for _ in range(MAX_PAGE_SIZE + 1):
        make_row(alice)
    body = alice_api.get(reverse("api:scan-list"), {"page_size": 10_000}).json()

    assert len(body["results"]) == MAX_PAGE_SIZE
    assert body["count"] == MAX_PAGE_SIZE + 1


@pytest.mark.parametrize("fmt", ["json", "multipart"])
def test_patch_edits_the_notes(alice_api, alice, make_row, fmt):
    scan = make_row(alice)
    response = alice_api.patch(
        reverse("api:scan-detail", args=[scan.pk]), {"notes": "seen by Dr Lee"}, format=fmt
    )

    assert response.status_code == 200
    assert response.json()["notes"] == "seen by Dr Lee"
    scan.refresh_from_db()
    assert scan.notes == "seen by Dr Lee"


def test_patch_of_someone_elses_scan_is_404_and_put_is_not_allowed(alice_api, bob, make_row):
    bobs = make_row(bob)
    url = reverse("api:scan-detail", args=[bobs.pk])
    assert alice_api.patch(url, {"notes": "x"}, format="json").status_code == 404
    assert alice_api.put(url, {"notes": "x"}, format="json").status_code == 405


def test_patch_needs_the_notes_field(alice_api, alice, make_row):
    scan = make_row(alice)
    response = alice_api.patch(reverse("api:scan-detail", args=[scan.pk]), {}, format="json")

    assert response.status_code == 400
    assert "notes" in response.json()


def test_schema_token_endpoint_and_batch_field(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    token = schema["paths"]["/api/auth/token/"]["post"]
    assert token["tags"] == ["auth"]
    assert "security" not in token  # no lock: it is how a client gets credentials
    images = schema["components"]["schemas"]["BatchUploadRequest"]["properties"]["images"]
    assert images["items"] == {"type": "string", "format": "binary"}
