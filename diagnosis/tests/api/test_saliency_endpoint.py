"""GET /api/scans/<id>/saliency/: the raw map, 8-bit grayscale at the stored image's size."""

import io
from unittest import mock

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from diagnosis.errors import ScanGone
from diagnosis.models import Scan
from diagnosis.services import heatmaps, scan_delete, scan_heatmap
from diagnosis.tests.conftest import stored_files


def png(response) -> Image.Image:
    return Image.open(io.BytesIO(b"".join(response.streaming_content)))


def test_raw_map_is_a_grayscale_png_of_the_stored_image_size(alice_api, alice, make_scan):
    scan = make_scan(alice, opaque=True)
    body = alice_api.get(reverse("api:scan-detail", args=[scan.pk])).json()
    assert body["saliency_url"].endswith(f"/api/scans/{scan.pk}/saliency/")

    response = alice_api.get(body["saliency_url"])

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    raw = png(response)
    stored = Image.open(Scan.objects.get(pk=scan.pk).image.open("rb"))
    assert raw.mode == "L" and raw.size == stored.size
    assert np.asarray(raw).max() == 255  # 255 = most important


def test_raw_map_and_overlay_are_made_once_and_kept_together(alice_api, alice, make_scan):
    scan = make_scan(alice, opaque=True)
    first = np.asarray(png(alice_api.get(reverse("api:scan-saliency", args=[scan.pk]))))
    kept = Scan.objects.get(pk=scan.pk)
    assert kept.heatmap.name.endswith("_heatmap.png") and kept.saliency_peak is not None

    with mock.patch.object(heatmaps, "overlay_image", side_effect=AssertionError("recomputed")):
        again = np.asarray(png(alice_api.get(reverse("api:scan-saliency", args=[scan.pk]))))
        alice_api.get(reverse("api:scan-heatmap", args=[scan.pk]))
    assert np.array_equal(first, again)


def test_others_scans_and_unrecognised_images_are_404(alice_api, alice, bob, make_scan, make_row):
    bobs = make_scan(bob)
    not_xray = make_row(alice, predicted="")

    assert alice_api.get(reverse("api:scan-saliency", args=[bobs.pk])).status_code == 404
    assert alice_api.get(reverse("api:scan-saliency", args=[not_xray.pk])).status_code == 404
    assert alice_api.get(reverse("api:scan-saliency", args=[99999])).status_code == 404
    assert APIClient().get(reverse("api:scan-saliency", args=[bobs.pk])).status_code in (401, 403)


def test_a_heatmap_kept_from_before_the_raw_map_is_replaced(
    alice, make_scan, settings, django_capture_on_commit_callbacks
):
    scan = make_scan(alice, opaque=True)
    old = "scans/old_heatmap.png"
    (settings.MEDIA_ROOT / "scans" / "old_heatmap.png").write_bytes(b"a Grad-CAM overlay")
    Scan.objects.filter(pk=scan.pk).update(heatmap=old)

    with django_capture_on_commit_callbacks(execute=True):
        scan = scan_heatmap(scan=Scan.objects.get(pk=scan.pk))

    assert scan.heatmap.name != old and scan.saliency
    assert not (settings.MEDIA_ROOT / old).exists()


def test_scan_deleted_while_its_map_is_made_leaves_no_file(
    alice, make_scan, settings, django_capture_on_commit_callbacks
):
    scan = make_scan(alice, opaque=True)
    real = heatmaps.grayscale_map

    def delete_meanwhile(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            scan_delete(scan=Scan.objects.get(pk=scan.pk))
        return real(*args, **kwargs)

    with mock.patch.object(heatmaps, "grayscale_map", delete_meanwhile), pytest.raises(ScanGone):
        scan_heatmap(scan=scan)

    assert stored_files(settings.MEDIA_ROOT) == []
