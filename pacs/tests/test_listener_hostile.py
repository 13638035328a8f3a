"""Hostile datasets: refused or not analysed, with a status and a log line, and the
listener keeps serving the next association."""

from __future__ import annotations

import numpy as np
import pytest
from pydicom import dcmread

from diagnosis.models import Scan
from mlcore.tests.dicom_files import dicom_bytes
from pacs.models import ReceivedInstance
from pacs.tests.conftest import dicom_files, needs_dcmtk, storescu

pytestmark = [needs_dcmtk, pytest.mark.slow]


def test_a_dataset_past_the_upload_limit_is_cut_off(listener, model, tmp_path, settings, caplog):
    settings.PNEUMO_MAX_UPLOAD_BYTES = 20_000
    big = tmp_path / "big.dcm"
    noise = np.random.default_rng(0).integers(0, 4095, (400, 400), dtype=np.uint16)
    big.write_bytes(dicom_bytes(noise))

    assert storescu(listener, big).returncode != 0
    assert Scan.objects.count() == 0
    assert "Aborted an association" in caplog.text or "Refused an instance" in caplog.text
    settings.PNEUMO_MAX_UPLOAD_BYTES = 26_214_400
    assert storescu(listener, *dicom_files(tmp_path, 1)).returncode == 0  # still serving
    assert Scan.objects.count() == 1


def test_pixels_that_do_not_match_the_header_are_not_analysed(listener, model, tmp_path):
    (path,) = dicom_files(tmp_path, 1)
    dataset = dcmread(path)
    dataset.Rows = dataset.Columns = 30000  # a decompression bomb's promise
    dataset.save_as(path, enforce_file_format=True)

    sent = storescu(listener, path)

    assert sent.returncode == 0, sent.stderr  # acknowledged: its SR will say why
    (received,) = ReceivedInstance.objects.all()
    assert received.outcome == "not_analysed"
    assert received.reason
    assert storescu(listener, *dicom_files(tmp_path / "next", 1)).returncode == 0
