from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from diagnosis.models import Scan
from mlcore.testing import xray_png

URL = "/pneumonia/predict"


def test_seed_compatible_endpoint_answers_and_records_the_scan(alice_api, alice, model):
    upload = SimpleUploadedFile("chest.png", xray_png(opaque=True), "image/png")
    response = alice_api.post(URL, {"image_file": upload}, format="multipart")

    assert response.status_code == 200
    body = response.json()
    assert body["predicted_class"] == "pneumonia"
    assert 0.0 <= body["pneumonia_probability"] <= 1.0
    assert Scan.objects.get(owner=alice).pk == body["id"]


def test_seed_compatible_endpoint_needs_auth_and_the_field(db, alice_api, model):
    upload = SimpleUploadedFile("chest.png", xray_png(), "image/png")
    assert APIClient().post(URL, {"image_file": upload}, format="multipart").status_code in (
        401,
        403,
    )
    missing = alice_api.post(URL, {}, format="multipart")
    assert missing.status_code == 400
    assert "image_file" in missing.json()
