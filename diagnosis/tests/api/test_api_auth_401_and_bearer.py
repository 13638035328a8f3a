"""Missing or bad credentials get 401 with a challenge API-wide; `Bearer` works as well as
`Token`; the original service's /docs and /openapi.json lead to ours."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.authtoken.models import Token

from diagnosis.models import Scan
from mlcore.testing import xray_png

CHALLENGE = 'Bearer realm="api"'


@pytest.mark.parametrize("path", ["/api/scans/", "/api/model/", "/api/model/site/"])
def test_no_credentials_is_401_with_a_challenge(db, path):
    response = Client().get(path)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == CHALLENGE
    assert response.json()["detail"] == "Authentication credentials were not provided."


@pytest.mark.parametrize("keyword", ["Token", "Bearer"])
def test_a_bad_key_is_401_with_a_challenge(db, keyword):
    response = Client().get("/api/scans/", HTTP_AUTHORIZATION=f"{keyword} not-a-key")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == CHALLENGE
    assert response.json()["detail"] == "Invalid token."


@pytest.mark.parametrize("keyword", ["Token", "Bearer", "bearer"])
def test_token_and_bearer_both_work(alice, keyword):
    key = Token.objects.create(user=alice).key
    response = Client().get("/api/scans/", HTTP_AUTHORIZATION=f"{keyword} {key}")

    assert response.status_code == 200


def test_legacy_client_with_a_bearer_token(alice, model):
    """The README's migration line for the original service's clients."""
    key = Token.objects.create(user=alice).key
    upload = SimpleUploadedFile("x.jpeg", xray_png(), "image/png")
    response = Client().post(
        "/pneumonia/predict", {"image_file": upload}, HTTP_AUTHORIZATION=f"Bearer {key}"
    )

    assert response.status_code == 200
    assert Scan.objects.get(owner=alice).pk == response.json()["id"]


def test_legacy_client_without_a_token_is_401(db):
    upload = SimpleUploadedFile("x.jpeg", xray_png(), "image/png")
    response = Client().post("/pneumonia/predict", {"image_file": upload})

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == CHALLENGE


def test_a_session_still_works(alice_client):
    assert alice_client.get("/api/scans/").status_code == 200


@pytest.mark.parametrize(
    ("old", "new"), [("/docs", "/api/docs/"), ("/openapi.json", "/api/schema/?format=json")]
)
def test_the_original_services_docs_urls_redirect_to_ours(db, old, new):
    response = Client().get(old)

    assert response.status_code == 302
    assert response["Location"] == new
    assert Client().get(new).status_code == 200
