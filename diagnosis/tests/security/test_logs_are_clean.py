import logging

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from mlcore.tests.dicom_files import PHI, dicom_bytes


def test_logs_hold_no_token_image_bytes_or_patient_identifiers(alice, model, caplog):
    token = Token.objects.create(user=alice).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    caplog.set_level(logging.DEBUG)

    data = dicom_bytes()
    for name, content in (("study.dcm", data), ("bad.png", b"\x89PNG garbage")):
        client.post(
            reverse("api:scan-list"),
            {"image": SimpleUploadedFile(name, content, "application/dicom")},
            format="multipart",
        )

    logged = caplog.text
    assert " by user " in logged  # something was logged, just nothing private
    assert token not in logged
    assert "DICM" not in logged and "\\x89PNG" not in logged
    for value in PHI.values():
        assert value not in logged
