"""Format suffixes: the list and a scan take them, the extra actions answer 404, never 500."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from mlcore.testing import xray_png


@pytest.mark.parametrize(
    "path",
    ["image.json", "thumbnail.api", "heatmap.json", "image.api", "heatmap.api"],
)
def test_file_actions_with_a_suffix_are_404(alice_api, alice, make_scan, path):
    scan = make_scan(alice)

    response = alice_api.get(f"/api/scans/{scan.pk}/{path}")

    assert response.status_code == 404
    assert "takes no" in response.json()["detail"]


def test_export_and_batch_with_a_suffix_are_404(alice_api, model):
    assert alice_api.get("/api/scans/export.json").status_code == 404
    upload = {"images": [SimpleUploadedFile("a.png", xray_png(), "image/png")]}
    assert alice_api.post("/api/scans/batch.json", upload, format="multipart").status_code == 404


def test_list_and_detail_still_take_a_suffix(alice_api, alice, make_scan):
    scan = make_scan(alice)

    assert alice_api.get("/api/scans.json").json()["count"] == 1
    assert alice_api.get(f"/api/scans/{scan.pk}.json").json()["id"] == scan.pk
