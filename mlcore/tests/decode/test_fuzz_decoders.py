"""Seeded fuzzing: corrupted PNG, JPEG and DICOM files give ImageError or an image, nothing else."""

import time
import zlib

import pytest

from mlcore.decode.upload import decode_upload
from mlcore.errors import ImageError
from mlcore.tests.hostile_files import mutations, valid_samples

SAMPLES = valid_samples()
CASES_PER_SAMPLE = 100


@pytest.mark.parametrize("kind", SAMPLES)
def test_corrupted_files_raise_only_image_error(kind):
    outcomes = {"decoded": 0, "refused": 0}
    started = time.perf_counter()
    for data in mutations(SAMPLES[kind], CASES_PER_SAMPLE, seed=zlib.crc32(kind.encode())):
        try:
            decoded = decode_upload(data, draft_size=64)
        except ImageError as exc:
            assert str(exc), "an error needs a message for the uploader"
            outcomes["refused"] += 1
        else:
            assert decoded.image.mode == "L" and min(decoded.image.size) >= 1
            outcomes["decoded"] += 1
    assert sum(outcomes.values()) == CASES_PER_SAMPLE
    assert outcomes["refused"] > 0  # the mutations do break files
    assert time.perf_counter() - started < 60
