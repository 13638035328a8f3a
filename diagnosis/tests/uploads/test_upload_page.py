from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from diagnosis.models import Scan
from diagnosis.tests.conftest import stored_files
from mlcore.testing import TINY_VERSION, xray_jpeg, xray_png

UPLOAD = reverse("diagnosis:upload")


def test_upload_png_redirects_to_its_detail_page(alice_client, alice, model, settings):
    upload = SimpleUploadedFile("left lung.png", xray_png(opaque=True), "image/png")
    response = alice_client.post(UPLOAD, {"image": upload})

    scan = Scan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == scan.get_absolute_url()
    assert scan.owner == alice
    assert scan.original_filename == "left lung.png"
    assert scan.predicted_class == "pneumonia"
    assert 0.5 <= scan.pneumonia_probability <= 1.0
    assert scan.model_version == TINY_VERSION
    assert len(stored_files(settings.MEDIA_ROOT)) == 2

    page = alice_client.get(scan.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert "Pneumonia" in text
    assert f"{scan.score:.1f}" in text and f"{scan.cutoff:.1f}" in text
    assert "not a diagnosis" in text
    assert TINY_VERSION in text
    assert "left lung.png" in text


def test_upload_jpeg_of_clear_lungs_is_normal(alice_client, model):
    upload = SimpleUploadedFile("clear.jpg", xray_jpeg(opaque=False), "image/jpeg")
    response = alice_client.post(UPLOAD, {"image": upload})

    assert response.status_code == 302
    assert Scan.objects.get().predicted_class == "normal"


def test_non_image_is_rejected_and_leaves_nothing(alice_client, model, settings):
    upload = SimpleUploadedFile("notes.png", b"this is not an image at all", "image/png")
    response = alice_client.post(UPLOAD, {"image": upload})

    assert response.status_code == 400
    assert "not a readable JPEG, PNG or DICOM" in response.content.decode()
    assert not Scan.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_missing_file_is_a_form_error(alice_client, model):
    response = alice_client.post(UPLOAD, {})

    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_without_a_model_the_page_says_so_and_upload_answers_503(alice_client, settings):
    page = alice_client.get(UPLOAD)
    assert "No model installed" in page.content.decode()
    assert "train_model" in page.content.decode()

    upload = SimpleUploadedFile("chest.png", xray_png(), "image/png")
    response = alice_client.post(UPLOAD, {"image": upload})

    assert response.status_code == 503
    assert "train_model" in response.content.decode()
    assert not Scan.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_pages_require_login(client, db):
    for url in (UPLOAD, reverse("diagnosis:scan-history")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_login_page_logs_in(client, alice):
    page = client.get(reverse("login"))
    assert page.status_code == 200

    response = client.post(reverse("login"), {"username": "alice", "password": "alice-password-1"})
    assert response.status_code == 302
    assert client.get(UPLOAD).status_code == 200
