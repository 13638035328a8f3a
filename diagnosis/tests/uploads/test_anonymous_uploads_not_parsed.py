"""An anonymous upload is refused before its body is parsed: no file is spooled anywhere."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import multipartparser
from django.test import Client
from django.urls import reverse

from diagnosis.tests.conftest import stored_files
from mlcore.testing import xray_png

UPLOADS = [
    ("api:scan-list", "image"),
    ("api:scan-batch", "images"),
    ("legacy-predict", "image_file"),
]


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The paths whose multipart body Django started to parse."""
    calls: list[str] = []
    real_parse = multipartparser.MultiPartParser.parse

    def parse(self):
        calls.append(self._meta["PATH_INFO"])
        return real_parse(self)

    monkeypatch.setattr(multipartparser.MultiPartParser, "parse", parse)
    return calls


def upload(name: str, seed: int = 0) -> dict:
    return {name: SimpleUploadedFile("chest.png", xray_png(seed=seed), "image/png")}


@pytest.mark.parametrize(("url_name", "field"), UPLOADS)
def test_api_upload_without_credentials_is_401_unparsed(db, parsed, url_name, field):
    response = Client().post(reverse(url_name), upload(field))

    assert response.status_code == 401
    assert response.json()["detail"] == "Authentication credentials were not provided."
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert parsed == []


def test_page_upload_without_a_session_goes_to_login_unparsed(db, parsed, settings):
    response = Client(enforce_csrf_checks=True).post(reverse("diagnosis:upload"), upload("image"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert parsed == []
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_wrong_token_is_refused_by_the_api_before_parsing(db, parsed):
    response = Client().post(
        reverse("api:scan-list"), upload("image"), HTTP_AUTHORIZATION="Token not-a-real-one"
    )

    assert response.json()["detail"] == "Invalid token."
    assert parsed == []


def test_signed_in_uploads_are_parsed_as_before(alice_client, alice_api, model, parsed):
    assert alice_client.post(reverse("diagnosis:upload"), upload("image")).status_code == 302
    # another image: the same one again would be reported as a duplicate (200)
    response = alice_api.post(reverse("api:scan-list"), upload("image", 1), format="multipart")

    assert response.status_code == 201
    assert len(parsed) == 2
