"""The token endpoint: anonymous guesses are throttled per address and per user name."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle


@pytest.fixture(autouse=True)
def token_rate(monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "token", "3/minute")


def guess(username: str, address: str = "127.0.0.1", **extra) -> int:
    response = APIClient().post(
        reverse("api:auth-token"),
        {"username": username, "password": "guess"},
        REMOTE_ADDR=address,
        **extra,
    )
    return response.status_code


def test_one_address_guessing_unknown_names_gets_429(db):
    codes = [guess(f"nobody{i}") for i in range(5)]

    assert codes == [400, 400, 400, 429, 429]
    assert guess("someone-else", address="192.0.2.7") == 400  # other clients are not locked


def test_one_name_guessed_from_many_addresses_gets_429(db):
    names = ["nobody", "Nobody", "NOBODY ", "nobody", "nobody"]  # case and spaces do not help
    codes = [guess(name, address=f"192.0.2.{i}") for i, name in enumerate(names)]

    assert codes == [400, 400, 400, 429, 429]


def test_the_429_says_when_to_try_again(db):
    for _ in range(3):
        guess("nobody")

    response = APIClient().post(reverse("api:auth-token"), {"username": "nobody"})

    assert response.status_code == 429
    assert "seconds" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0


def test_a_real_user_still_gets_a_token_within_the_rate(alice):
    response = APIClient().post(
        reverse("api:auth-token"), {"username": "alice", "password": "alice-password-1"}
    )

    assert response.status_code == 200
    assert response.json()["token"]


def test_a_json_body_that_is_not_an_object_is_a_400(db):
    response = APIClient().post(reverse("api:auth-token"), [1, 2], format="json")

    assert response.status_code == 400
