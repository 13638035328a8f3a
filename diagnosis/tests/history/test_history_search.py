import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from diagnosis.models import Scan

HISTORY = reverse("diagnosis:scan-history")


def add_scans(owner, specs, stored):
    """Rows sharing one stored image: (file name, class, probability, days ago)."""
    now = timezone.now()
    scans = Scan.objects.bulk_create(
        Scan(
            owner=owner,
            original_filename=name,
            image=stored.image.name,
            thumbnail=stored.thumbnail.name,
            image_width=96,
            image_height=96,
            predicted_class=predicted,
            status="predicted" if predicted else "not_recognised",
            pneumonia_probability=probability,
            threshold=0.5,
            model_version="v1",
            inference_ms=1.0,
        )
        for name, predicted, probability, _ in specs
    )
    for scan, (*_, days_ago) in zip(scans, specs, strict=True):
        Scan.objects.filter(pk=scan.pk).update(created_at=now - timedelta(days=days_ago))
    return scans


@pytest.fixture
def history(alice, make_scan):
    stored = make_scan(alice, name="seed.png")
    Scan.objects.filter(pk=stored.pk).update(created_at=timezone.now() - timedelta(days=30))
    return add_scans(
        alice,
        [
            ("ward-a-1.png", "pneumonia", 0.91, 1),
            ("ward-a-2.png", "normal", 0.12, 2),
            ("ward-b-1.png", "pneumonia", 0.67, 3),
            ("=HYPERLINK(evil).png", "normal", 0.30, 4),
            ("photo.png", "", None, 5),
        ],
        stored,
    )


def names(response) -> list[str]:
    return [scan.original_filename for scan in response.context["page"].object_list]


def test_search_by_file_name(alice_client, history):
    assert names(alice_client.get(HISTORY, {"q": "WARD-A"})) == ["ward-a-1.png", "ward-a-2.png"]


def test_filter_by_date_range(alice_client, history):
    today = timezone.now().date()
    response = alice_client.get(
        HISTORY,
        {"date_from": str(today - timedelta(days=3)), "date_to": str(today - timedelta(days=2))},
    )
    assert names(response) == ["ward-a-2.png", "ward-b-1.png"]


def test_inverted_date_range_is_explained(alice_client, history):
    response = alice_client.get(HISTORY, {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert "The start date is after the end date." in response.content.decode()


def test_sort_by_probability_keeps_unrecognised_last(alice_client, history):
    response = alice_client.get(HISTORY, {"sort": "probability_desc", "q": ".png"})
    assert names(response)[:3] == ["ward-a-1.png", "ward-b-1.png", "=HYPERLINK(evil).png"]
    assert names(response)[-1] == "photo.png"


def test_filter_not_recognised(alice_client, history):
    response = alice_client.get(HISTORY, {"predicted_class": "not_recognised"})
    assert names(response) == ["photo.png"]
    assert "Not recognised" in response.content.decode()


def test_csv_export_follows_the_filters_and_defuses_formulas(alice_client, history):
    response = alice_client.get(reverse("diagnosis:scan-export"), {"predicted_class": "normal"})

    assert response["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["original_filename"] for row in rows] == [
        "ward-a-2.png",
        "'=HYPERLINK(evil).png",
        "seed.png",
    ]
    assert set(rows[0]) == {
        "id",
        "uploaded_at",
        "owner",
        "original_filename",
        "status",
        "predicted_class",
        "pneumonia_probability",
        "threshold",
        "score",
        "cutoff",
        "band",
        "band_low",
        "band_high",
        "model_version",
        "review_finding",
        "review_comment",
        "reviewed_by",
        "reviewed_at",
        "notes",
    }


def test_api_filters_and_exports_json_and_csv(alice_api, history):
    listed = alice_api.get(reverse("api:scan-list"), {"q": "ward-b"}).json()
    assert [item["original_filename"] for item in listed["results"]] == ["ward-b-1.png"]

    exported = alice_api.get(reverse("api:scan-export"), {"predicted_class": "pneumonia"}).json()
    assert [row["original_filename"] for row in exported] == ["ward-a-1.png", "ward-b-1.png"]

    as_csv = alice_api.get(reverse("api:scan-export"), {"as": "csv"})
    assert as_csv["Content-Type"] == "text/csv"
    assert b"".join(as_csv.streaming_content).count(b"\n") == 7  # header + 6 scans


def test_export_is_scoped_to_the_owner(history, bob):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(bob)
    assert client.get(reverse("api:scan-export")).json() == []


@pytest.mark.slow
def test_history_of_10000_scans_pages_in_a_few_queries(
    alice_client, alice, make_scan, django_assert_max_num_queries
):
    stored = make_scan(alice)
    add_scans(alice, [(f"bulk-{i}.png", "normal", 0.1, 0) for i in range(10_000)], stored)

    # + the session limits' sign-out mark and the audit trail's row, and whether the user
    # reviews (the worklist's link: permissions, wards), the same for any history
    with django_assert_max_num_queries(5 + 2 + 3):
        response = alice_client.get(HISTORY, {"page": 200, "sort": "probability_asc"})
    assert response.status_code == 200
    assert "Page 200 of 401" in response.content.decode()
    # + the throttle's shared counter, the same for any history: read it, then write it
    with django_assert_max_num_queries(5 + 6 + 2):
        assert alice_client.get(reverse("api:scan-list"), {"page": 3}).status_code == 200
