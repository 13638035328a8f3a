import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from pydicom.uid import JPEGLosslessSV1

from diagnosis.models import Scan
from diagnosis.tests.conftest import stored_files
from mlcore.tests.dicom_files import PHI, dicom_bytes

SCANS = reverse("api:scan-list")


def upload(client, data: bytes, name: str):
    return client.post(
        SCANS, {"image": SimpleUploadedFile(name, data, "application/dicom")}, format="multipart"
    )


def test_dicom_upload_keeps_no_patient_identifier(alice_api, model, settings):
    response = upload(alice_api, dicom_bytes(bits=16, window=(30000, 40000)), "study.dcm")

    assert response.status_code == 201
    body = response.json()
    assert body["source_format"] == "DICOM"
    assert body["dicom_tags"]["Modality"] == "DX"
    assert body["dicom_tags"]["ViewPosition"] == "PA"

    dump = io.StringIO()
    call_command("dumpdata", "diagnosis", stdout=dump)
    everything = dump.getvalue() + str(body)
    for path in stored_files(settings.MEDIA_ROOT):
        everything += path.name + path.read_bytes().decode("latin-1")
    for value in PHI.values():
        assert value not in everything
        assert value.split("^")[0] not in everything


def test_dicom_without_extension_is_recognised_by_content(alice_client, model):
    data = dicom_bytes(photometric="MONOCHROME2")
    response = alice_client.post(
        reverse("diagnosis:upload"),
        {"image": SimpleUploadedFile("IMG0001", data, "application/octet-stream")},
    )

    assert response.status_code == 302
    scan = Scan.objects.get()
    assert scan.source_format == "DICOM"
    page = alice_client.get(scan.get_absolute_url()).content.decode()
    assert "DICOM tags kept" in page
    assert "Doe" not in page


def test_undecodable_dicom_is_a_400_naming_the_syntax(alice_api, model, settings):
    response = upload(alice_api, dicom_bytes(syntax=JPEGLosslessSV1), "lossless.dcm")

    assert response.status_code == 400
    assert "JPEG Lossless" in response.json()["detail"]
    assert not Scan.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_multi_frame_dicom_notes_the_first_frame(alice_api, model):
    body = upload(alice_api, dicom_bytes(frames=2), "cine.dcm").json()

    assert "first frame" in body["notes"]
