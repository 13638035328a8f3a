"""Seeded fuzzing through the API: no 5xx, and a refused file leaves nothing behind."""

import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from diagnosis.models import Scan
from diagnosis.tests.conftest import stored_files
from mlcore.tests.hostile_files import mutations, valid_samples

SCANS = reverse("api:scan-list")
SAMPLES = valid_samples()


@pytest.mark.parametrize("kind", SAMPLES)
def test_corrupted_uploads_never_answer_5xx_nor_leave_anything(alice_api, model, settings, kind):
    for data in mutations(SAMPLES[kind], 15, seed=zlib.crc32(kind.encode()) + 1):
        before = Scan.objects.count()
        upload = SimpleUploadedFile(f"fuzz-{kind}", data, "application/octet-stream")

        response = alice_api.post(SCANS, {"image": upload}, format="multipart")

        assert response.status_code in (201, 400), response.content
        expected = before + (response.status_code == 201)
        assert Scan.objects.count() == expected
        assert len(stored_files(settings.MEDIA_ROOT)) == 2 * expected
