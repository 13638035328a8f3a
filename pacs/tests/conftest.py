"""The hospital side's fixtures: integration settings, the listener in a thread, Debian's
Orthanc as the PACS and dcmtk's storescu as the modality (tests skip without them)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from cryptography.fernet import Fernet
from django.contrib.auth import get_user_model

from diagnosis.tests.conftest import alice, isolated_storage, model, tiny_model_dir  # noqa: F401
from diagnosis.tests.serving import ROOT, SharedDatabase, free_port
from mlcore.data.synthetic import xray_array
from mlcore.tests.dicom_files import dicom_bytes
from pacs.testing import (  # noqa: F401 (the tests import them from here too)
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
    # Its first heartbeat written: a test reading the state then does not meet that write
    # (the test database is SQLite's shared cache, which locks a table being written).
    eventually(_heartbeat_written, seconds=10, every=0.05)
    yield integration.PNEUMO_DICOM_PORT
    stop.set()
    thread.join(10)


def _heartbeat_written() -> bool:
    from django.db import OperationalError

    from pacs.models import ListenerState

    try:
        return ListenerState.objects.exists()
    except OperationalError:  # being written just now
        return False


class ListenerProcess:
    """``manage.py dicom_listener`` in a process of its own, on the test database."""

    def __init__(self, port: int, env: dict[str, str], log: Path, database: SharedDatabase):
        self.port, self.env, self.log, self.database = port, env, log, database
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "dicom_listener"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_port(self.port, 60, self.process)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}: {self.log.read_text()[-2000:]}") from None

    def kill(self) -> None:
        """SIGKILL: no handler runs, whatever it was doing is cut off."""
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM, as a service manager stops it; then its writes are in the test DB."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.database.pull()


@pytest.fixture
def listener_process(integration, transactional_db, request, tmp_path) -> Iterator[ListenerProcess]:
    """The listener as deployed, a process of its own (not started: ``start()``), with the
    integration settings, the test database, media folder and model of this test."""
    model_dir = request.getfixturevalue("model")  # the name is taken by the import above
    database = SharedDatabase(tmp_path)
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        DATABASE_URL=database.url,
        PNEUMO_DICOM_PORT=str(integration.PNEUMO_DICOM_PORT),
        PNEUMO_DICOM_OWNER=integration.PNEUMO_DICOM_OWNER,
        PNEUMO_DICOM_AE_TITLE=integration.PNEUMO_DICOM_AE_TITLE,
        PNEUMO_DICOM_DESTINATION=integration.PNEUMO_DICOM_DESTINATION,
        PNEUMO_INTEGRATION_KEY=integration.PNEUMO_INTEGRATION_KEY,
        PNEUMO_VAR_DIR=str(tmp_path / "var"),
        PNEUMO_MEDIA_ROOT=str(integration.MEDIA_ROOT),
        PNEUMO_MODEL_DIR=str(model_dir),
    )
    process = ListenerProcess(
        integration.PNEUMO_DICOM_PORT, env, tmp_path / "listener.log", database
    )
    try:
        yield process
    finally:
        if process.process is not None and process.process.poll() is None:
            process.kill()


def send_to_pacs(orthanc: Orthanc, paths: list[Path]) -> None:
    """A modality sends ``paths`` to the PACS (Orthanc), which stores them all."""
    sent = storescu(orthanc.dicom_port, *paths, called="ORTHANC")
    assert sent.returncode == 0, sent.stderr


def recognised_pixels(seed: int = 0) -> np.ndarray:
    """A 12-bit chest X-ray of the kind the tiny model was trained on, so that its gate
    recognises it (a finding and a score): one black and one white pixel, so that the
    decoder's stretch to the full range leaves the picture as it was trained."""
    pixels = xray_array(96, seed=seed).astype(np.uint16)
    pixels[0, 0], pixels[0, 1] = 0, 255
    return pixels * 16


def dicom_files(folder: Path, count: int, **options) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = folder / f"image-{index}.dcm"
        path.write_bytes(dicom_bytes(**options))
        paths.append(path)
    return paths


@pytest.fixture
def pacs_lua() -> str:
    """The PACS's Lua script (none); a test sets its own with parametrize("pacs_lua", ...)."""
    return ""


@pytest.fixture
def pacs(integration, tmp_path, pacs_lua) -> Iterator[Orthanc]:
    """Debian's Orthanc as the hospital's PACS, and the listener's results sent to it."""
    http, dicom = free_port(), free_port()
    orthanc = start_orthanc(
        tmp_path / "orthanc", http, dicom, integration.PNEUMO_DICOM_PORT, lua=pacs_lua
    )
    integration.PNEUMO_DICOM_DESTINATION = f"ORTHANC@127.0.0.1:{dicom}"
    yield orthanc
    stop_orthanc(orthanc)


def eventually(check, seconds: float = 30, every: float = 0.2):
    """Poll ``check`` until it returns something true (Orthanc's Lua runs on its own
    thread, a subprocess at its own pace): its value, or AssertionError after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not (value := check()):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{getattr(check, '__name__', check)} still false after {seconds} s"
            )
        time.sleep(every)
    return value
