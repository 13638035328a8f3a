"""The app's errors get their HTTP status from one table, on the pages and in the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from diagnosis import views
from diagnosis.api import views as api_views
from diagnosis.errors import (
    ApplicationError,
    CostLimited,
    ModelUnavailable,
    ReviewNotAllowed,
    ReviewRejected,
    ScanGone,
    UploadRejected,
    http_status,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (UploadRejected("x"), 400),
        (ReviewRejected("x"), 400),
        (ReviewNotAllowed("x"), 403),
        (ScanGone("x"), 404),
        (ModelUnavailable("x"), 503),
        (CostLimited("x"), 429),
    ],
)
def test_each_kind_has_its_status(error, status):
    assert http_status(error) == status
    assert http_status(ApplicationError("unmapped")) == 500


@pytest.mark.parametrize(
    ("error", "status"),
    [(ScanGone("The scan was deleted."), 404), (ModelUnavailable("Busy."), 503)],
)
def test_a_heatmap_error_is_the_same_status_on_the_page_and_in_the_api(
    alice_client, alice_api, alice, make_scan, monkeypatch, error, status
):
    scan = make_scan(alice)

    def fail(*, scan, charged_to=None):
        raise error

    monkeypatch.setattr(views, "scan_heatmap", fail)
    monkeypatch.setattr(api_views, "scan_heatmap", fail)

    page = alice_client.get(reverse("diagnosis:scan-file", args=[scan.pk, "heatmap"]))
    api = alice_api.get(reverse("api:scan-heatmap", args=[scan.pk]))

    assert page.status_code == api.status_code == status
    assert api.json() == {"detail": str(error)}
