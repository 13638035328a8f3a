import io

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image

from diagnosis.errors import ScanGone
from diagnosis.models import Scan
from diagnosis.services import scan_heatmap
from diagnosis.tests.conftest import stored_files


def image_array(response) -> np.ndarray:
    data = b"".join(response.streaming_content)
    return np.asarray(Image.open(io.BytesIO(data)))


def test_heatmap_is_computed_on_first_view_then_kept(alice_client, alice, make_scan):
    scan = make_scan(alice, opaque=True)
    assert not scan.heatmap
    url = reverse("diagnosis:scan-file", kwargs={"pk": scan.pk, "kind": "heatmap"})

    first = alice_client.get(url)
    assert first.status_code == 200
    assert first["Content-Type"] == "image/png"
    overlay = image_array(first)
    assert overlay.shape == (96, 96, 3)  # the stored image's size, in colour
    assert overlay.std() > 1.0

    stored = Scan.objects.get(pk=scan.pk).heatmap.name
    assert stored.endswith("_heatmap.png")
    again = alice_client.get(url)
    assert np.array_equal(image_array(again), overlay)
    assert Scan.objects.get(pk=scan.pk).heatmap.name == stored


def test_api_gives_heatmap_url_that_works_with_a_token(alice_api, alice, make_scan):
    scan = make_scan(alice)
    body = alice_api.get(reverse("api:scan-detail", args=[scan.pk])).json()

    assert body["heatmap_url"].endswith(f"/api/scans/{scan.pk}/heatmap/")
    response = alice_api.get(body["heatmap_url"])
    assert response.status_code == 200
    assert image_array(response).ndim == 3


def test_detail_page_offers_the_toggle(alice_client, alice, make_scan):
    scan = make_scan(alice)
    text = alice_client.get(scan.get_absolute_url()).content.decode()

    assert 'id="show-heatmap"' in text
    assert reverse("diagnosis:scan-file", kwargs={"pk": scan.pk, "kind": "heatmap"}) in text


def test_deleting_a_scan_removes_its_heatmap(
    alice_client, alice, make_scan, settings, django_capture_on_commit_callbacks
):
    from diagnosis.tests.conftest import stored_files

    scan = make_scan(alice)
    alice_client.get(reverse("diagnosis:scan-file", kwargs={"pk": scan.pk, "kind": "heatmap"}))
    assert len(stored_files(settings.MEDIA_ROOT)) == 4  # image, thumbnail, heatmap, raw map

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(reverse("diagnosis:scan-delete", args=[scan.pk]))
    assert stored_files(settings.MEDIA_ROOT) == []


def test_concurrent_first_views_keep_one_heatmap_file(alice, make_scan, settings):
    scan = make_scan(alice, opaque=True)
    stale = Scan.objects.get(pk=scan.pk)  # a second request that read the row before

    first = scan_heatmap(scan=scan)
    second = scan_heatmap(scan=stale)  # computes too, then finds the first one stored

    assert second.heatmap.name == first.heatmap.name
    heatmaps = [p for p in stored_files(settings.MEDIA_ROOT) if "_heatmap" in p.name]
    assert [p.name for p in heatmaps] == [first.heatmap.name.rsplit("/", 1)[-1]]


def test_heatmap_of_a_scan_deleted_meanwhile_is_a_404_leaving_no_file(alice, make_scan, settings):
    scan = make_scan(alice, opaque=True)
    Scan.objects.filter(pk=scan.pk).delete()  # deleted by another request

    with pytest.raises(ScanGone):  # the one mapping makes it a 404 (test_errors_map_to_http)
        scan_heatmap(scan=scan)

    assert not [p for p in stored_files(settings.MEDIA_ROOT) if "_heatmap" in p.name]
