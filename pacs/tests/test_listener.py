"""A modality (dcmtk's storescu) sends to the listener: what is stored, skipped, refused."""

from __future__ import annotations

import subprocess

import pytest
from pydicom.uid import JPEGLSLossless

from diagnosis.models import Scan
from mlcore.tests.dicom_files import PHI
from pacs.models import ReceivedInstance
from pacs.tests.conftest import dicom_files, needs_dcmtk, storescu

pytestmark = [needs_dcmtk, pytest.mark.slow]


def test_echo_is_answered(listener):
    echo = subprocess.run(
        ["echoscu", "-aet", "MODALITY", "-aec", "PNEUMOSCAN", "127.0.0.1", str(listener)],
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert echo.returncode == 0, echo.stderr


def test_a_chest_radiograph_becomes_a_scan_of_the_service_user(listener, model, tmp_path):
    sent = storescu(listener, *dicom_files(tmp_path, 2))

    assert sent.returncode == 0, sent.stderr
    scans = Scan.objects.order_by("pk")
    assert scans.count() == 2
    assert {scan.owner.username for scan in scans} == {"pacs"}
    assert {(scan.source, scan.source_ae) for scan in scans} == {("dicom", "MODALITY")}
    assert set(ReceivedInstance.objects.values_list("outcome", flat=True)) <= {
        "analysed",
        "not_recognised",
    }


def test_no_identifier_is_kept(listener, model, tmp_path):
    (path,) = dicom_files(tmp_path, 1)
    storescu(listener, path)
    from pydicom import dcmread

    header = dcmread(path, stop_before_pixels=True)
    kept = [repr(row) for row in Scan.objects.values()]
    kept += [repr(row) for row in ReceivedInstance.objects.values()]
    secrets = [*PHI.values(), header.SOPInstanceUID, header.StudyInstanceUID]
    assert not [secret for secret in secrets if any(str(secret) in row for row in kept)]


def test_the_same_instance_twice_is_analysed_once(listener, model, tmp_path):
    (path,) = dicom_files(tmp_path, 1)
    storescu(listener, path)
    again = storescu(listener, path)

    assert again.returncode == 0
    assert Scan.objects.count() == 1
    assert ReceivedInstance.objects.get().times_received == 2


def test_a_lateral_view_or_another_modality_is_acknowledged_and_skipped(listener, model, tmp_path):
    paths = dicom_files(tmp_path / "a", 1, view="LL") + dicom_files(
        tmp_path / "b", 1, modality="CT"
    )
    sent = storescu(listener, *paths)

    assert sent.returncode == 0, sent.stderr
    assert Scan.objects.count() == 0
    assert list(ReceivedInstance.objects.values_list("outcome", flat=True)) == ["skipped"] * 2


def test_a_transfer_syntax_the_decoder_does_not_read_is_not_accepted(listener, model, tmp_path):
    (path,) = dicom_files(tmp_path, 1, compress=JPEGLSLossless)
    sent = storescu(listener, path)

    assert sent.returncode != 0  # no presentation context: the modality is told at once
    assert Scan.objects.count() == 0
