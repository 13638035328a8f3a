"""The listener and the worker log what happened, never who it happened to: no patient
identifier, no UID, no header value (pynetdicom and highdicom as the settings set them)."""

from __future__ import annotations

import logging

import pydicom
import pytest
from django.core.management import call_command

from mlcore.tests.dicom_files import PHI
from pacs.tests.conftest import dicom_files, needs_dcmtk, needs_orthanc, send_to_pacs, storescu

pytestmark = [needs_dcmtk, needs_orthanc, pytest.mark.slow]


def test_listener_and_worker_logs_hold_no_identifier(pacs, listener, model, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    chest = dicom_files(tmp_path / "chest", 1)
    other = dicom_files(tmp_path / "ct", 1, modality="CT")
    broken = tmp_path / "broken.dcm"
    broken.write_bytes(chest[0].read_bytes()[:400])
    send_to_pacs(pacs, chest)

    storescu(listener, *chest, *other)
    storescu(listener, broken)
    call_command("dicom_worker", batch=True, verbosity=0)

    logged = caplog.text
    assert " sent (attempt 1)" in logged and "Skipped instance" in logged  # it did log
    headers = [pydicom.dcmread(path, stop_before_pixels=True) for path in (*chest, *other)]
    private = [*PHI.values()]
    for header in headers:
        private += [header.StudyInstanceUID, header.SeriesInstanceUID, header.SOPInstanceUID]
    assert [value for value in private if value in logged] == []
