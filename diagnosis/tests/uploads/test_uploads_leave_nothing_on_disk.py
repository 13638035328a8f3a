"""Uploads are spooled without a name on disk: nothing of them outlives the request, even
when the worker is killed; check_storage reports and removes upload files found on disk."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from diagnosis.api import views as api_views
from diagnosis.upload_handlers import UnnamedUploadedFile
from mlcore.testing import xray_png

ROOT = Path(__file__).resolve().parents[3]
KILLED_MID_UPLOAD = """
import os, signal
from diagnosis.upload_handlers import CappedTemporaryFileUploadHandler
handler = CappedTemporaryFileUploadHandler()
handler.new_file("image", "patient.dcm", "application/dicom", None)
handler.receive_data_chunk(b"DICM PatientName^Someone " * 4000, 0)
handler.file.flush()
print(os.readlink(f"/proc/self/fd/{handler.file.fileno()}"), flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.fixture
def system_temp(settings, tmp_path, monkeypatch) -> Path:
    """Every upload goes to disk; the system temp folder is one this test can watch."""
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024
    folder = tmp_path / "system-temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_an_upload_spooled_to_disk_has_no_name(
    alice_api, model, settings, system_temp, monkeypatch
):
    seen = {}
    real_scan_upload = api_views.scan_upload

    def look_at_the_disk(*, owner, uploaded_file, reanalyse):
        seen["type"] = type(uploaded_file)
        seen["link"] = os.readlink(f"/proc/self/fd/{uploaded_file.fileno()}")
        seen["named files"] = os.listdir(settings.PNEUMO_UPLOAD_SPOOL_DIR) + os.listdir(system_temp)
        seen["mode"] = stat.S_IMODE(os.stat(settings.PNEUMO_UPLOAD_SPOOL_DIR).st_mode)
        return real_scan_upload(owner=owner, uploaded_file=uploaded_file, reanalyse=reanalyse)

    monkeypatch.setattr(api_views, "scan_upload", look_at_the_disk)
    upload = SimpleUploadedFile("patient.png", xray_png(), "image/png")
    response = alice_api.post(reverse("api:scan-list"), {"image": upload}, format="multipart")

    assert response.status_code == 201
    assert seen["type"] is UnnamedUploadedFile
    assert seen["link"].startswith(str(settings.PNEUMO_UPLOAD_SPOOL_DIR))
    assert seen["link"].endswith("(deleted)")  # open, readable, and no name
    assert seen["named files"] == []
    assert seen["mode"] == 0o700


@pytest.mark.slow
def test_a_worker_killed_mid_upload_leaves_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PNEUMO_VAR_DIR"] = str(tmp_path)
    killed = subprocess.run(
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", KILLED_MID_UPLOAD],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert killed.returncode == -9
    assert killed.stdout.startswith(str(tmp_path / "tmp"))  # it was spooled there ...
    assert list((tmp_path / "tmp").iterdir()) == []  # ... and nothing is left


def test_check_storage_reports_and_removes_upload_files_on_disk(db, settings, system_temp, capsys):
    spool = Path(settings.PNEUMO_UPLOAD_SPOOL_DIR)
    spool.mkdir()
    stray = spool / "tmpabc.upload.dcm"
    stray.write_bytes(b"DICM")
    old_django_upload = system_temp / "tmp8x2k.upload.dcm"  # Django's own handler's name
    old_django_upload.write_bytes(b"DICM")
    an_hour_ago = time.time() - 3700
    os.utime(old_django_upload, (an_hour_ago, an_hour_ago))
    in_flight = system_temp / "tmp9y3m.upload.png"  # another process's, maybe in use
    in_flight.write_bytes(b"PNG")

    call_command("check_storage")
    report = capsys.readouterr().out
    call_command("check_storage", "--delete")

    assert f"leftover upload: {stray}" in report
    assert f"leftover upload: {old_django_upload}" in report
    assert str(in_flight) not in report
    assert not stray.exists() and not old_django_upload.exists()
    assert in_flight.exists()
