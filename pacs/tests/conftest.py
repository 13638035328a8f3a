"""The hospital side's fixtures: integration settings, the listener in a thread, Debian's
Orthanc as the PACS and dcmtk's storescu as the modality (tests skip without them)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model

from diagnosis.tests.conftest import isolated_storage, model, tiny_model_dir  # noqa: F401
from diagnosis.tests.serving import free_port
from mlcore.tests.dicom_files import dicom_bytes
from pacs.testing import (  # noqa: F401 (the tests import them from here)
    ORTHANC,
    STORESCU,
    Orthanc,
    orthanc_config,
    start_orthanc,
    stop_orthanc,
    storescu,
    wait_for_port,
)

needs_orthanc = pytest.mark.skipif(
    not ORTHANC.exists(), reason="needs Debian's orthanc (apt-get install orthanc orthanc-dicomweb)"
)
needs_dcmtk = pytest.mark.skipif(
    STORESCU is None, reason="needs dcmtk's storescu (apt-get install dcmtk)"
)


@pytest.fixture
def integration(settings, db):
    """The listener's settings on a free port, a service user, a fresh key."""
    settings.PNEUMO_INTEGRATION_KEY = Fernet.generate_key().decode()
    settings.PNEUMO_DICOM_OWNER = "pacs"
    settings.PNEUMO_DICOM_PORT = free_port()
    settings.PNEUMO_DICOM_AE_TITLE = "PNEUMOSCAN"
    settings.PNEUMO_DICOM_DESTINATION = ""
    get_user_model().objects.create_user("pacs", password="pacs-service-user-1")
    return settings


@pytest.fixture
def listener(integration, transactional_db) -> Iterator[int]:
    """The DICOM listener, in a thread of this process (the test database): its port."""
    from pacs.listener import serve

    stop = threading.Event()
    thread = threading.Thread(target=serve, args=(stop,), daemon=True)
    thread.start()
    wait_for_port(integration.PNEUMO_DICOM_PORT)
    yield integration.PNEUMO_DICOM_PORT
    stop.set()
    thread.join(10)


def dicom_files(folder: Path, count: int, **options) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"image-{index}.dcm"
        path.write_bytes(dicom_bytes(**options))
        paths.append(path)
    return paths


@pytest.fixture
def pacs(integration, tmp_path) -> Iterator[Orthanc]:
    """Debian's Orthanc as the hospital's PACS, and the listener's results sent to it."""
    http, dicom = free_port(), free_port()
    orthanc = start_orthanc(tmp_path / "orthanc", http, dicom, integration.PNEUMO_DICOM_PORT)
    integration.PNEUMO_DICOM_DESTINATION = f"ORTHANC@127.0.0.1:{dicom}"
    yield orthanc
    stop_orthanc(orthanc)
