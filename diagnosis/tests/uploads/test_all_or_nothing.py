from unittest import mock

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from diagnosis.models import Scan
from diagnosis.tests.conftest import stored_files
from mlcore.model.inference import Predictor
from mlcore.testing import xray_png


def post(client):
    upload = SimpleUploadedFile("chest.png", xray_png(), "image/png")
    return client.post(reverse("api:scan-list"), {"image": upload}, format="multipart")


def test_database_failure_leaves_no_file(alice_api, model, settings):
    with (
        mock.patch.object(Scan, "save", side_effect=RuntimeError("disk full")),
        pytest.raises(RuntimeError),
    ):
        post(alice_api)

    assert not Scan.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_storage_failure_midway_leaves_no_file_and_no_row(alice_api, model, settings):
    real_save = FileSystemStorage.save

    def fail_on_thumbnail(storage, name, content, max_length=None):
        if "thumbnail" in name:
            raise OSError("No space left on device")
        return real_save(storage, name, content, max_length=max_length)

    with (
        mock.patch.object(FileSystemStorage, "save", fail_on_thumbnail),
        pytest.raises(OSError),
    ):
        post(alice_api)

    assert not Scan.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_busy_model_answers_503_instead_of_hanging(alice_api, model, settings):
    settings.PNEUMO_PREDICT_TIMEOUT = 0.2
    predictor = Predictor  # the lock is per artifact: hold the tiny model's one
    from diagnosis.active_model import current_predictor

    active: Predictor = current_predictor()
    assert isinstance(active, predictor)
    with active._lock:
        response = post(alice_api)

    assert response.status_code == 503
    assert "busy" in response.json()["detail"]
    assert not Scan.objects.exists()
    # the stored copies, written while the model was awaited, are gone with the upload
    assert stored_files(settings.MEDIA_ROOT) == []


def test_check_storage_reports_and_removes_orphans_and_broken_scans(
    alice, make_scan, settings, capsys, django_capture_on_commit_callbacks
):
    kept = make_scan(alice)
    broken = make_scan(alice)
    broken.image.storage.delete(broken.image.name)
    orphan = settings.MEDIA_ROOT / "scans" / "leftover_image.png"
    orphan.write_bytes(b"x")

    call_command("check_storage")
    report = capsys.readouterr().out
    assert "orphan file: scans/leftover_image.png" in report
    assert f"scan {broken.pk} is missing" in report

    with django_capture_on_commit_callbacks(execute=True):
        call_command("check_storage", "--delete")
    assert not orphan.exists()
    assert list(Scan.objects.values_list("pk", flat=True)) == [kept.pk]
    assert len(stored_files(settings.MEDIA_ROOT)) == 2
    call_command("check_storage")
    assert "Storage is consistent." in capsys.readouterr().out
