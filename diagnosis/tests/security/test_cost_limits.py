"""What one user may make the model do, counted by cost and shared by the pages and the
API; a heatmap is made once however many ask at the same time."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from diagnosis.models import Scan
from diagnosis.services import heatmaps
from mlcore.testing import xray_png


@pytest.fixture
def rates(settings):
    def set_rates(**rates: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {
                **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
                **rates,
            },
        }

    return set_rates


def png(name: str, seed: int):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, xray_png(seed=seed), "image/png")


def test_every_image_counts_and_the_form_and_the_api_share_the_count(
    alice, alice_client, alice_api, model, rates
):
    rates(uploads="4/minute")

    page = alice_client.post("/", {"image": [png("a.png", 1), png("b.png", 2)]})
    api = alice_api.post("/api/scans/batch/", {"images": [png("c.png", 3), png("d.png", 4)]})
    over = alice_api.post("/api/scans/", {"image": png("e.png", 5)}, format="multipart")
    over_page = alice_client.post("/", {"image": [png("f.png", 6)]})

    assert page.status_code == 302 and api.status_code == 201
    assert over.status_code == 429
    assert "at most 4 images analysed per 60 s" in over.json()["detail"]
    assert "try again in" in over.json()["detail"]
    assert over_page.status_code == 429
    assert Scan.objects.filter(owner=alice).count() == 4  # nothing stored past the limit


def test_a_batch_larger_than_the_whole_rate_says_to_send_fewer(alice_api, model, rates):
    rates(uploads="2/minute")

    response = alice_api.post(
        "/api/scans/batch/", {"images": [png(f"{i}.png", i) for i in range(3)]}
    )

    assert response.status_code == 429 and "send fewer" in response.json()["detail"]


def test_maps_made_count_and_a_kept_map_is_free(alice, alice_api, make_scan, rates):
    rates(maps="1/minute")
    first, second = make_scan(alice, seed=1), make_scan(alice, seed=2)

    assert alice_api.get(f"/api/scans/{first.pk}/heatmap/").status_code == 200
    assert alice_api.get(f"/api/scans/{second.pk}/heatmap/").status_code == 429
    assert alice_api.get(f"/api/scans/{first.pk}/saliency/").status_code == 200  # kept


def test_a_map_asked_for_while_another_request_makes_it_is_made_once(alice, make_scan, monkeypatch):
    scan = make_scan(alice)
    made = []
    real = heatmaps._make_saliency
    monkeypatch.setattr(heatmaps, "_make_saliency", lambda s: made.append(s.pk) or real(s))
    lock = f"heatmap-{scan.pk}"
    caches["throttle"].add(lock, "making", 60)  # another request is making it

    def the_other_request_finishes(seconds: float) -> None:
        if not made:
            heatmaps._make_saliency(scan.__class__.objects.get(pk=scan.pk))
            caches["throttle"].delete(lock)

    monkeypatch.setattr(heatmaps.time, "sleep", the_other_request_finishes)

    result = heatmaps.scan_heatmap(scan=scan)

    assert made == [scan.pk]  # once, by the other request
    assert result.saliency and result.heatmap


def test_a_full_quota_refuses_uploads_until_scans_are_deleted(
    alice, alice_client, alice_api, make_scan, model, settings
):
    scan = make_scan(alice)
    assert scan.stored_bytes > 0  # the copies it keeps, counted
    settings.PNEUMO_USER_QUOTA_MB = scan.stored_bytes / 1e6  # full with this one scan

    api = alice_api.post("/api/scans/", {"image": png("b.png", 2)}, format="multipart")
    page = alice_client.post("/", {"image": [png("c.png", 3)]})

    assert api.status_code == page.status_code == 413
    assert "the quota is" in api.json()["detail"] and "delete" in api.json()["detail"]
    assert alice_api.delete(f"/api/scans/{scan.pk}/").status_code == 204
    again = alice_api.post("/api/scans/", {"image": png("b.png", 2)}, format="multipart")
    assert again.status_code == 201


def test_a_heatmap_adds_to_what_a_scan_takes(alice, alice_api, make_scan):
    scan = make_scan(alice)
    before = scan.stored_bytes

    alice_api.get(f"/api/scans/{scan.pk}/heatmap/")

    scan.refresh_from_db()
    assert scan.stored_bytes > before
