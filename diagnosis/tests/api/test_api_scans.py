from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from diagnosis.models import Scan
from diagnosis.tests.conftest import stored_files
from mlcore.testing import TINY_VERSION, xray_png

SCANS = reverse("api:scan-list")


def post_image(client, name="chest.png", content=None, field="image"):
    upload = SimpleUploadedFile(name, content or xray_png(opaque=True), "image/png")
    return client.post(SCANS, {field: upload}, format="multipart")


def test_create_returns_the_scan_contract(alice_api, model):
    response = post_image(alice_api)

    assert response.status_code == 201
    body = response.json()
    scan = Scan.objects.get()
    assert body["id"] == scan.pk
    assert body["predicted_class"] == "pneumonia"
    assert 0.0 <= body["pneumonia_probability"] <= 1.0
    assert body["threshold"] == 0.5
    assert body["model_version"] == TINY_VERSION
    assert body["original_filename"] == "chest.png"
    assert body["created_at"].startswith(scan.created_at.strftime("%Y-%m-%dT"))
    assert body["url"].endswith(reverse("api:scan-detail", args=[scan.pk]))
    assert body["image_url"].endswith(f"/api/scans/{scan.pk}/image/")
    assert body["thumbnail_url"].endswith(f"/api/scans/{scan.pk}/thumbnail/")

    image = alice_api.get(body["image_url"])
    assert image.status_code == 200
    assert image["Content-Type"] == "image/jpeg"


def test_token_auth_works(alice, model):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=alice).key}")

    created = post_image(client)
    assert created.status_code == 201
    assert client.get(SCANS).json()["count"] == 1
    assert client.get(created.json()["image_url"]).status_code == 200


def test_token_endpoint_gives_a_token_for_credentials(alice):
    response = APIClient().post(
        reverse("api:auth-token"), {"username": "alice", "password": "alice-password-1"}
    )

    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=alice).key


def test_unauthenticated_requests_are_refused_without_redirect(db, model):
    client = APIClient()

    for response in (client.get(SCANS), post_image(client)):
        assert response.status_code in (401, 403)
        assert "detail" in response.json()
    assert not Scan.objects.exists()


def test_list_is_newest_first_and_filterable(alice_api, alice, bob, make_scan):
    older = make_scan(alice, opaque=True)
    newer = make_scan(alice, opaque=False)
    make_scan(bob)

    listed = alice_api.get(SCANS).json()
    assert listed["count"] == 2
    assert [item["id"] for item in listed["results"]] == [newer.pk, older.pk]

    only = alice_api.get(SCANS, {"predicted_class": "pneumonia"}).json()
    assert [item["id"] for item in only["results"]] == [older.pk]

    bad = alice_api.get(SCANS, {"predicted_class": "maybe"})
    assert bad.status_code == 400
    assert "predicted_class" in bad.json()


def test_retrieve_and_delete(
    alice_api, alice, make_scan, settings, django_capture_on_commit_callbacks
):
    scan = make_scan(alice)
    url = reverse("api:scan-detail", args=[scan.pk])

    assert alice_api.get(url).json()["id"] == scan.pk
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_api.delete(url)
    assert response.status_code == 204
    assert not Scan.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []
    assert alice_api.get(url).status_code == 404


def test_missing_field_is_400_with_a_message(alice_api, model):
    response = alice_api.post(SCANS, {}, format="multipart")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "image: No file was submitted.",
        "image": ["No file was submitted."],
    }


def test_non_image_is_400_and_leaves_nothing(alice_api, model, settings):
    response = post_image(alice_api, name="evil.png", content=b"<html><script>alert(1)</script>")

    assert response.status_code == 400
    assert "not a readable JPEG, PNG or DICOM" in response.json()["detail"]
    assert not Scan.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_no_model_is_503_saying_how_to_fix_it(alice_api, settings):
    response = post_image(alice_api)

    assert response.status_code == 503
    assert "python manage.py train_model" in response.json()["detail"]
    assert not Scan.objects.exists()


def test_history_filters_apply_to_the_list_and_export_only(alice_api, alice, make_scan):
    scan = make_scan(alice)
    junk = "?date_to=junk&sort=nonsense"

    for kind in ("detail", "image", "thumbnail", "heatmap"):
        response = alice_api.get(reverse(f"api:scan-{kind}", args=[scan.pk]) + junk)
        assert response.status_code == 200, kind
    for kind in ("list", "export"):
        response = alice_api.get(reverse(f"api:scan-{kind}") + junk)
        assert response.status_code == 400, kind
        assert "date_to" in response.json()
