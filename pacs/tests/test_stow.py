"""STOW-RS: a DICOMweb client (dicomweb-client) stores instances as a PACS pushes them."""

from __future__ import annotations

import pytest
from dicomweb_client import DICOMwebClient
from pydicom import dcmread
from rest_framework.authtoken.models import Token

from diagnosis.models import Scan
from mlcore.tests.dicom_files import dicom_bytes
from pacs.models import ReceivedInstance
from pacs.tests.conftest import dicom_files, needs_orthanc, start_orthanc, stop_orthanc

BOUNDARY = "pneumo-boundary"
pytestmark = pytest.mark.django_db(transaction=True)


def body(*parts: tuple[str, bytes]) -> bytes:
    chunks = [
        f"--{BOUNDARY}\r\nContent-Type: {kind}\r\n\r\n".encode() + data + b"\r\n"
        for kind, data in parts
    ]
    return b"".join(chunks) + f"--{BOUNDARY}--\r\n".encode()


def post(client, token: str, payload: bytes, **headers):
    return client.post(
        "/dicomweb/studies",
        payload,
        content_type=f'multipart/related; type="application/dicom"; boundary={BOUNDARY}',
        headers={"Authorization": f"Token {token}", **headers},
    )


@pytest.fixture
def pacs_token(integration) -> str:
    from django.contrib.auth import get_user_model

    return Token.objects.create(user=get_user_model().objects.get(username="pacs")).key


def test_a_dicomweb_client_stores_instances(live_server, integration, model, pacs_token):
    import io

    datasets = [dcmread(io.BytesIO(dicom_bytes())) for _ in range(2)]
    client = DICOMwebClient(
        f"{live_server.url}/dicomweb", headers={"Authorization": f"Token {pacs_token}"}
    )

    answer = client.store_instances(datasets)

    stored = {item.ReferencedSOPInstanceUID for item in answer.ReferencedSOPSequence}
    assert stored == {str(dataset.SOPInstanceUID) for dataset in datasets}
    assert set(Scan.objects.values_list("source", "source_ae")) == {("dicomweb", "pacs")}
    assert ReceivedInstance.objects.count() == 2


def test_a_part_that_is_no_dicom_fails_alone(client, integration, model, pacs_token):
    answer = post(
        client, pacs_token, body(("application/dicom", dicom_bytes()), ("application/dicom", b"x"))
    )

    assert answer.status_code == 202
    assert answer["Content-Type"] == "application/dicom+json"
    failed = answer.json()["00081198"]["Value"]
    assert failed[0]["00081197"]["Value"] == [0xC000]
    assert Scan.objects.count() == 1


def test_nothing_stored_is_a_409(client, integration, model, pacs_token):
    answer = post(client, pacs_token, body(("application/dicom", b"not dicom")))

    assert answer.status_code == 409
    assert not Scan.objects.exists()


@pytest.mark.parametrize(
    ("content_type", "payload", "words"),
    [
        ("application/json", b"{}", "Unsupported media type"),
        ('multipart/related; type="application/dicom+json"; boundary=b', b"--b--", "type="),
        ('multipart/related; type="application/dicom"; boundary=b', b"no parts", "part"),
        ('multipart/related; type="application/dicom"; boundary=b', b"", "empty"),
    ],
)
def test_a_body_that_is_no_stow_request_is_a_clear_4xx(
    client, integration, pacs_token, content_type, payload, words
):
    answer = client.post(
        "/dicomweb/studies",
        payload,
        content_type=content_type,
        headers={"Authorization": f"Token {pacs_token}"},
    )

    assert 400 <= answer.status_code < 500
    assert words in answer.json()["detail"]
    assert not ReceivedInstance.objects.exists()


def test_too_large_a_request_is_a_413(client, integration, pacs_token, settings):
    settings.PNEUMO_MAX_BATCH_BYTES = 1000

    answer = post(client, pacs_token, body(("application/dicom", dicom_bytes())))

    assert answer.status_code == 413
    assert "larger than" in answer.json()["detail"]


def test_only_the_service_user_may_store(client, integration, alice):
    token = Token.objects.create(user=alice).key

    assert post(client, token, body(("application/dicom", dicom_bytes()))).status_code == 403
    assert post(client, "nonsense", b"").status_code == 401
    assert not Scan.objects.exists()


def test_without_an_owner_it_is_a_503_that_says_so(client, integration, pacs_token, settings):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username="pacs").update(is_superuser=True)
    settings.PNEUMO_DICOM_OWNER = ""

    answer = post(client, pacs_token, body(("application/dicom", dicom_bytes())))

    assert answer.status_code == 503
    assert "PNEUMO_DICOM_OWNER" in answer.json()["detail"]


@needs_orthanc
def test_orthanc_pushes_a_study_over_dicomweb(
    live_server, integration, model, pacs_token, tmp_path
):
    from diagnosis.tests.serving import free_port

    servers = {
        "Servers": {
            "pneumoscan": {
                "Url": f"{live_server.url}/dicomweb/",
                "HttpHeaders": {"Authorization": f"Token {pacs_token}"},
                "ChunkedTransfers": False,
            }
        }
    }
    orthanc = start_orthanc(tmp_path, free_port(), free_port(), 4242, dicomweb=servers)
    try:
        (path,) = dicom_files(tmp_path / "in", 1)
        study = orthanc.get("/instances", path.read_bytes())["ParentStudy"]

        answer = orthanc.get("/dicom-web/servers/pneumoscan/stow", {"Resources": [study]})
    finally:
        stop_orthanc(orthanc)

    assert answer["InstancesCount"] == "1", answer
    assert set(Scan.objects.values_list("source", "source_ae")) == {("dicomweb", "pacs")}


def test_an_undecodable_syntax_is_kept_as_not_analysed_with_the_reason(
    client, integration, model, pacs_token
):
    from pydicom.uid import JPEGLSLossless

    integration.PNEUMO_DICOM_DESTINATION = "ORTHANC@127.0.0.1:4242"
    answer = post(
        client, pacs_token, body(("application/dicom", dicom_bytes(compress=JPEGLSLossless)))
    )

    assert answer.status_code == 200
    received = ReceivedInstance.objects.get()
    assert received.outcome == "not_analysed"
    assert "JPEG-LS" in received.reason
    assert received.deliveries.count() == 1  # its SR will say why
