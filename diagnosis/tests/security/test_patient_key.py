"""The DICOM patient key: a keyed pseudonym with the site secret, nothing without it, and
the PatientID itself nowhere (database, files, responses, pages)."""

import hashlib
import hmac
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from diagnosis.models import Scan
from diagnosis.tests.conftest import stored_files
from mlcore.testing import xray_png
from mlcore.tests.dicom_files import PHI, dicom_bytes

SECRET = "site-secret-for-tests"


def upload(client, data: bytes, name: str = "study.dcm"):
    return client.post(
        "/api/scans/", {"image": SimpleUploadedFile(name, data, "application/dicom")}, "multipart"
    )


def test_with_the_secret_the_scan_keeps_the_hmac_and_nothing_identifying(
    alice_api, alice_client, model, settings
):
    settings.PNEUMO_PATIENT_KEY_SECRET = SECRET
    body = upload(alice_api, dicom_bytes()).json()
    scan = Scan.objects.get(pk=body["id"])

    expected = hmac.new(SECRET.encode(), PHI["PatientID"].encode(), hashlib.sha256).hexdigest()
    assert scan.patient_key == expected[:32]
    page = alice_client.get(scan.get_absolute_url()).content.decode()
    assert f">{expected[:8]}<" in page and expected[:9] not in page

    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    everything = dump.getvalue() + str(body) + page
    everything += alice_api.get("/api/scans/export/").content.decode()
    for path in stored_files(settings.MEDIA_ROOT):
        everything += path.name + path.read_bytes().decode("latin-1")
    for value in PHI.values():
        assert value not in everything


def test_without_the_secret_there_is_no_key(alice_api, alice_client, model, settings):
    settings.PNEUMO_PATIENT_KEY_SECRET = ""
    scan = Scan.objects.get(pk=upload(alice_api, dicom_bytes()).json()["id"])

    assert scan.patient_key == ""
    assert "Patient group" not in alice_client.get(scan.get_absolute_url()).content.decode()


def test_the_same_patient_gets_the_same_key_and_pictures_none(alice_api, model, settings):
    settings.PNEUMO_PATIENT_KEY_SECRET = SECRET
    first = upload(alice_api, dicom_bytes(), "a.dcm").json()["id"]
    second = upload(alice_api, dicom_bytes(window=(2000, 3000)), "b.dcm").json()["id"]
    picture = upload(alice_api, xray_png(), "c.png").json()["id"]

    keys = dict(Scan.objects.values_list("pk", "patient_key"))
    assert keys[first] == keys[second] != ""
    assert keys[picture] == ""


def test_every_upload_records_its_content_hash(alice_api, model):
    data = xray_png(seed=3)
    scan = Scan.objects.get(pk=upload(alice_api, data, "x.png").json()["id"])

    assert scan.content_sha256 == hashlib.sha256(data).hexdigest()
