"""X-Forwarded-For counts only as far as PNEUMO_PROXY_COUNT trusts it."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle


@pytest.fixture(autouse=True)
def low_rates(monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "token", "3/minute")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "2/minute")


def guess(i: int, forwarded_for: str) -> int:
    return (
        APIClient()
        .post(
            reverse("api:auth-token"),
            {"username": f"nobody{i}", "password": "guess"},
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )
        .status_code
    )


def test_rotating_the_header_does_not_reset_the_token_rate(db, settings):
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0  # the default: no proxy trusted

    codes = [guess(i, f"203.0.113.{i}") for i in range(5)]

    assert codes == [400, 400, 400, 429, 429]


def test_rotating_the_header_does_not_reset_the_anonymous_rate(db):
    codes = [
        APIClient().get(reverse("schema"), HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code
        for i in range(3)
    ]

    assert codes == [200, 200, 429]


def test_behind_one_proxy_the_address_it_appended_counts(db, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    # What the client sent before the proxy's own entry changes nothing ...
    codes = [guess(i, f"203.0.113.{i}, 198.51.100.1") for i in range(4)]
    # ... while another real client, as the proxy saw it, has its own count.
    other = guess(9, "198.51.100.2")

    assert codes == [400, 400, 400, 429]
    assert other == 400
