"""Where a scan came from and where its result went, on its page and in the API; the
staff page and GET /api/integration/ with the listener's state and the counts."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from diagnosis.services import scan_upload
from mlcore.tests.dicom_files import dicom_bytes
from pacs.models import Delivery
from pacs.services import instance_receive


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("it-lead", password="it-pass-1", is_staff=True)


@pytest.fixture
def received(integration, model):
    integration.PNEUMO_DICOM_DESTINATION = "ORTHANC@127.0.0.1:4242"
    return instance_receive(dicom_bytes(), source="dicom", calling_ae="CR_ROOM_2").scan


def test_the_scan_page_says_where_it_came_from_and_its_delivery(client, staff, received):
    Delivery.objects.update(attempts=2, last_error="The PACS ORTHANC refused the association.")
    client.force_login(staff)

    page = client.get(f"/scans/{received.pk}/").content.decode()

    assert "Received over DICOM (C-STORE) from <code>CR_ROOM_2</code>" in page
    assert "queued, 2 attempts so far" in page
    assert "refused the association" in page


def test_the_api_says_the_same(client, staff, received):
    Delivery.objects.update(state="sent", attempts=1)
    client.force_login(staff)

    body = client.get(f"/api/scans/{received.pk}/").json()

    assert (body["source"], body["source_ae"]) == ("dicom", "CR_ROOM_2")
    assert [(d["kind"], d["state"], d["attempts"]) for d in body["deliveries"]] == [
        ("result", "sent", 1)
    ]


def test_an_upload_has_no_delivery(client, alice, model):
    upload = SimpleUploadedFile("x.dcm", dicom_bytes(), "application/dicom")
    scan, _ = scan_upload(owner=alice, uploaded_file=upload)
    client.force_login(alice)

    body = client.get(f"/api/scans/{scan.pk}/").json()

    assert (body["source"], body["deliveries"]) == ("upload", [])
    assert "Sent to the PACS" not in client.get(f"/scans/{scan.pk}/").content.decode()


def test_staff_see_the_counts_and_the_queue(client, staff, received):
    instance_receive(b"not dicom at all", source="dicom", calling_ae="CR_ROOM_2")
    instance_receive(dicom_bytes(modality="CT"), source="dicom", calling_ae="CR_ROOM_2")
    Delivery.objects.update(last_error="The PACS ORTHANC refused the association.")
    client.force_login(staff)

    status = client.get("/api/integration/").json()

    assert status["received"]["refused"] == 1
    assert status["received"]["skipped"] == 1
    assert status["received"]["analysed"] + status["received"]["not_recognised"] == 1
    assert status["queue_length"] == 1 == status["deliveries"]["queued"]
    assert status["destinations"]["dimse"] == "ORTHANC@127.0.0.1:4242"
    assert status["recent_failures"][0]["scan"] == received.pk
    page = client.get("/integration/").content.decode()
    assert "refused the association" in page
    assert "No listener has run yet" in page


def test_the_listener_heartbeat_shows(client, staff, listener):
    client.force_login(staff)

    (state,) = client.get("/api/integration/").json()["listeners"]

    assert state["running"] is True
    assert state["address"].endswith(f":{listener}")


def test_only_staff_see_it(client, alice):
    client.force_login(alice)

    assert client.get("/api/integration/").status_code == 403
    assert client.get("/integration/").status_code == 403
    client.logout()
    assert client.get("/api/integration/").status_code == 401
    assert client.get("/integration/").status_code == 302  # to the login page
