from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from mlcore.testing import xray_png


def test_login_is_locked_after_repeated_failures(client, alice):
    codes = [
        client.post(reverse("login"), {"username": "alice", "password": "wrong"}).status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 200, 429]  # the form again four times, then the lock

    locked = client.post(reverse("login"), {"username": "alice", "password": "alice-password-1"})

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_token_endpoint_is_locked_too(alice):
    client = APIClient()
    for _ in range(5):
        client.post(reverse("api:auth-token"), {"username": "alice", "password": "wrong"})

    response = client.post(
        reverse("api:auth-token"), {"username": "alice", "password": "alice-password-1"}
    )

    assert response.status_code == 429
    assert "Too many failed logins" in response.json()["detail"]
    assert "token" not in response.json()


def test_uploads_are_throttled_with_429(alice_api, model, monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "uploads", "2/minute")

    codes = [
        alice_api.post(
            reverse("api:scan-list"),
            {"image": SimpleUploadedFile("x.png", xray_png(seed=seed), "image/png")},
            format="multipart",
        ).status_code
        for seed in range(3)  # three different images: a re-upload would be a 200 duplicate
    ]

    assert codes == [201, 201, 429]
    assert alice_api.get(reverse("api:scan-list")).status_code == 200  # reads are not uploads
