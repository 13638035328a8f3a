"""Hostile files through the API: a clear 400 naming the problem, nothing stored, no identifier."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from diagnosis.models import Scan
from diagnosis.tests.conftest import stored_files
from mlcore.tests import hostile_files as hostile
from mlcore.tests.dicom_files import PHI

SCANS = reverse("api:scan-list")
BATCH = reverse("api:scan-batch")

BOMBS = {
    "deflate-bomb": (lambda: hostile.deflate_bomb(300 * 1024 * 1024), "inflates to more than"),
    "j2k-claims-13000": (hostile.j2k_size_lie, "13000x13000 pixels but its header"),
    "jpeg-claims-13000": (hostile.jpeg_size_lie, "13000x13000 pixels but its header"),
    "50-j2k-frames": (hostile.many_large_j2k_frames, "50 frame(s)"),
    "2000-scan-jpeg": (lambda: hostile.progressive_jpeg_with_scans(2000), "2,000 scans"),
    "corrupt-deflate": (hostile.corrupt_deflate, "DICOM"),
    "no-transfer-syntax": (hostile.no_transfer_syntax, "transfer syntax"),
}


def post(client, data: bytes, name: str = "x.dcm"):
    upload = SimpleUploadedFile(name, data, "application/octet-stream")
    return client.post(SCANS, {"image": upload}, format="multipart")


def everything_kept(settings, *responses) -> str:
    dump = io.StringIO()
    call_command("dumpdata", "diagnosis", stdout=dump)
    kept = dump.getvalue() + "".join(str(response.content) for response in responses)
    for path in stored_files(settings.MEDIA_ROOT):
        kept += path.read_bytes().decode("latin-1")
    return kept


@pytest.mark.parametrize("kind", BOMBS)
def test_decoder_bomb_is_a_400_naming_it(alice_api, model, settings, kind):
    make, message = BOMBS[kind]

    response = post(alice_api, make())

    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not Scan.objects.exists() and stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize("kind", hostile.MALFORMED_DICOM)
def test_malformed_dicom_is_a_400_not_a_500(alice_api, model, settings, kind):
    response = post(alice_api, hostile.dicom_editing(hostile.MALFORMED_DICOM[kind]))

    assert response.status_code in (201, 400), response.content
    if response.status_code == 400:
        assert response.json()["detail"]
        assert not Scan.objects.exists() and stored_files(settings.MEDIA_ROOT) == []


def test_identifier_nested_in_a_kept_tag_is_not_stored(alice_api, model, settings):
    response = post(alice_api, hostile.identifier_in_sequence())

    assert response.status_code == 201
    assert "BodyPartExamined" not in response.json()["dicom_tags"]
    kept = everything_kept(settings, response, alice_api.get(SCANS))
    for value in PHI.values():
        assert value.split("^")[0] not in kept


def test_long_or_odd_technical_tags_are_dropped_or_capped(alice_api, model):
    def edit(ds):
        ds.BodyPartExamined = "CHEST" * 2000
        ds.ViewPosition = "PA\x00\x1b[31m"

    response = post(alice_api, hostile.dicom_editing(edit))

    tags = response.json()["dicom_tags"]
    assert "BodyPartExamined" not in tags and "ViewPosition" not in tags
    assert all(len(str(value)) <= 64 for value in tags.values())


def test_burned_in_annotation_is_refused_unless_the_site_accepts_it(alice_api, model, settings):
    data = hostile.dicom_editing(lambda ds: setattr(ds, "BurnedInAnnotation", "YES"))

    refused = post(alice_api, data)
    settings.PNEUMO_ACCEPT_BURNED_IN = True
    accepted = post(alice_api, data)

    assert refused.status_code == 400 and "burned-in annotation" in refused.json()["detail"]
    assert accepted.status_code == 201


def test_a_batch_decodes_at_most_its_pixel_budget(alice_api, model, settings):
    from mlcore.testing import xray_png

    settings.PNEUMO_MAX_BATCH_PIXELS = 2 * 128 * 128
    files = [SimpleUploadedFile(f"{i}.png", xray_png(size=128, seed=i)) for i in range(4)]

    response = alice_api.post(BATCH, {"images": files}, format="multipart")

    body = response.json()
    assert response.status_code == 201
    assert len(body["scans"]) == 2
    assert [item["filename"] for item in body["rejected"]] == ["2.png", "3.png"]
    assert "megapixels one request may decode" in body["rejected"][0]["detail"]
