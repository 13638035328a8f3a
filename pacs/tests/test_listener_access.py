"""PNEUMO_DICOM_ALLOWED_AES: only the named modalities and PACS may send."""

from __future__ import annotations

import pytest

from diagnosis.models import Scan
from pacs.tests.conftest import dicom_files, needs_dcmtk, storescu

pytestmark = [needs_dcmtk, pytest.mark.slow]


@pytest.fixture
def integration(integration):
    integration.PNEUMO_DICOM_ALLOWED_AES = ["WARD1", "ORTHANC"]
    return integration


def test_an_unknown_calling_ae_is_refused(listener, model, tmp_path):
    sent = storescu(listener, *dicom_files(tmp_path, 1), calling="INTRUDER")

    assert sent.returncode != 0
    assert Scan.objects.count() == 0


def test_an_allowed_calling_ae_is_served(listener, model, tmp_path):
    sent = storescu(listener, *dicom_files(tmp_path, 1), calling="WARD1")

    assert sent.returncode == 0, sent.stderr
    assert Scan.objects.get().source_ae == "WARD1"
