"""400, 403, 404, 429 (login lock-out) and 500 pages in the site's layout, with a way back;
the lock-out says for how long. DEBUG is off in tests, as in production."""

from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

NAVIGATION = 'href="/scans/"'


def assert_site_page(response, status: int, *phrases: str) -> None:
    page = response.content.decode()
    assert response.status_code == status
    assert '<link rel="stylesheet"' in page and NAVIGATION in page
    for phrase in phrases:
        assert phrase in page


def test_404_is_in_the_layout(alice_client, settings):
    assert not settings.DEBUG
    response = alice_client.get("/no/such/page/")
    assert_site_page(response, 404, "Page not found", "There is no page at this address")


def test_403_says_why(alice_client, alice, make_row):
    mine = make_row(alice)  # alice is not a reviewer
    response = alice_client.post(
        reverse("diagnosis:scan-review", args=[mine.pk]), {"finding": "normal"}
    )
    assert_site_page(response, 403, "Not allowed", "Only reviewers")


def test_400_is_in_the_layout(alice_client):
    response = alice_client.get("/", HTTP_HOST="bad host")
    assert_site_page(response, 400, "Bad request", "could not be understood")


def test_500_is_in_the_layout(alice_client):
    client = alice_client
    client.raise_request_exception = False
    with mock.patch("diagnosis.views.scan_list", side_effect=RuntimeError("boom")):
        response = client.get(reverse("diagnosis:scan-history"))
    assert_site_page(response, 500, "Server error", "Something went wrong on our side")
    assert "boom" not in response.content.decode()


@pytest.mark.parametrize("minutes", [15, 30])
def test_lockout_is_in_the_layout_and_says_for_how_long(alice, settings, minutes):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = minutes / 60
    client = Client()
    for _ in range(2):
        client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})

    assert_site_page(response, 429, "Too many attempts", f"try again in {minutes} minutes")
    assert 'href="/accounts/login/"' in response.content.decode()
