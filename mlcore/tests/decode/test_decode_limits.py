"""Decoders are bounded by what they will allocate, before they allocate it."""

import resource
import time

import pytest

from mlcore.decode.codestream import frame_header, jpeg_header
from mlcore.decode.upload import Limits, decode_upload
from mlcore.errors import ImageError
from mlcore.tests import hostile_files as hostile
from mlcore.tests.dicom_files import dicom_bytes


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_codestream_headers_give_the_real_frame_size():
    assert (frame_header(hostile.j2k_frame_claiming(13000, 9000)).width, 13000) == (13000, 13000)
    header = frame_header(hostile.jpeg_frame_claiming(13000, 9000))
    assert (header.width, header.height, header.components) == (13000, 9000, 1)
    assert header.decoded_bytes == 13000 * 9000
    assert jpeg_header(hostile.progressive_jpeg_with_scans(500)).scans == 500


def test_deflated_dicom_inflates_only_up_to_the_budget():
    limits = Limits(max_decode_bytes=8 * 1024 * 1024)
    before = peak_rss_mb()

    with pytest.raises(ImageError, match="inflates to more than 8 MB"):
        decode_upload(hostile.deflate_bomb(64 * 1024 * 1024), limits=limits)

    assert peak_rss_mb() - before < 32  # the parent never holds the inflated data


def test_corrupt_deflate_stream_is_a_clear_error():
    with pytest.raises(ImageError, match="DICOM"):
        decode_upload(hostile.corrupt_deflate())


@pytest.mark.parametrize(
    "make",
    [hostile.j2k_size_lie, hostile.jpeg_size_lie],
    ids=["jpeg2000", "jpeg-baseline"],
)
def test_compressed_frame_larger_than_its_header_is_refused_before_decoding(make):
    started = time.perf_counter()

    with pytest.raises(ImageError, match="13000x13000 pixels but its header says 512x512"):
        decode_upload(make())

    assert time.perf_counter() - started < 2


def test_frames_times_pixels_is_checked_against_the_budget():
    with pytest.raises(ImageError, match=r"50 frame\(s\).*more than the limit of 268 MB"):
        decode_upload(hostile.many_large_j2k_frames(50, 6000))


def test_absurd_jpeg_scan_counts_are_refused():
    data = hostile.progressive_jpeg_with_scans(2000)

    with pytest.raises(ImageError, match="2,000 scans"):
        decode_upload(data)
    assert decode_upload(hostile.progressive_jpeg_with_scans(40)).image.size == (256, 256)


def test_decoded_bytes_budget_applies_to_plain_images():
    from mlcore.testing import xray_png

    with pytest.raises(ImageError, match="Decoding the image would take"):
        decode_upload(xray_png(size=512), limits=Limits(max_decode_bytes=100_000))


def test_a_decoder_that_runs_out_of_memory_is_a_clear_error():
    # The deflate cap is generous here; the child's memory limit is not.
    limits = Limits(max_decode_bytes=2**31, decode_memory_bytes=48 * 1024 * 1024)

    with pytest.raises(ImageError, match="more than 50 MB of memory"):
        decode_upload(hostile.deflate_bomb(256 * 1024 * 1024), limits=limits)


def test_a_large_valid_radiograph_decodes_reduced_and_reports_its_size():
    import numpy as np
    from pydicom.uid import RLELossless

    pixels = np.full((2400, 2000), 20000, dtype=np.uint16)
    pixels[400:2000, 300:900] = 5000
    decoded = decode_upload(dicom_bytes(pixels, bits=16, compress=RLELossless), draft_size=512)

    assert decoded.size == (2000, 2400)
    assert decoded.image.size == (666, 800)  # reduced by 3: both sides stay >= 512
    assert np.asarray(decoded.image)[250, 150] < 30  # the dark lung, reduced


def test_decode_time_limit_is_a_clear_error():
    import numpy as np
    from pydicom.uid import RLELossless

    # A large RLE radiograph: its decode takes far longer than the limit even in a child
    # started ahead of time (a tiny image could finish within a millisecond).
    data = dicom_bytes(np.full((2400, 2000), 20000, dtype=np.uint16), bits=16, compress=RLELossless)
    with pytest.raises(ImageError, match=r"took more than 0\.001 s"):
        decode_upload(data, limits=Limits(decode_seconds=0.001))
