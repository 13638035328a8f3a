"""Every bad upload is a clear 400 and leaves nothing behind (OWASP file upload rules)."""

import io
import re
import struct
import zipfile
import zlib

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from diagnosis.models import Scan
from diagnosis.tests.conftest import stored_files
from mlcore.testing import image_bytes, xray_jpeg, xray_png

SCANS = reverse("api:scan-list")


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x.png", xray_png())
    return buffer.getvalue()


def bomb_png() -> bytes:
    """A highly compressible huge image: 100 megapixels in a small file."""
    return image_bytes(Image.new("L", (10_000, 10_000)), "PNG", optimize=True)


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims any size, followed by an empty pixel-data chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"")


HOSTILE = {
    "text": (b"hello, this is text", "not a readable"),
    "html": (b"<!doctype html><script>alert(1)</script>", "not a readable"),
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "not a readable"),
    "pdf": (b"%PDF-1.7\n1 0 obj<<>>endobj\n", "not a readable"),
    "zip": (zip_bytes(), "not a readable"),
    "elf": (b"\x7fELF\x02\x01\x01" + bytes(120), "not a readable"),
    "gif-polyglot": (b"GIF89a/*\x01\x00\x01\x00*/=alert(1)//", "not a readable"),
    "empty": (b"", "empty"),
    "truncated-jpeg": (xray_jpeg(size=256)[:600], "damaged or truncated"),
    "tiny": (image_bytes(Image.new("L", (10, 10))), "at least 64x64"),
    "sliver": (image_bytes(Image.new("L", (2000, 100))), "times wider than high"),
    "bomb": (bomb_png(), "more pixels than the limit"),
    "claims-50000x50000": (png_header_only(50_000, 50_000), "more pixels than the limit"),
    "claims-100000x1": (png_header_only(100_000, 1), "at least 64x64"),
    "gif": (image_bytes(Image.new("L", (100, 100)), "GIF"), "Unsupported image format GIF"),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_upload_is_a_clear_400_leaving_nothing(alice_api, model, settings, kind):
    data, message = HOSTILE[kind]
    upload = SimpleUploadedFile(f"{kind}.png", data, "image/png")

    response = alice_api.post(SCANS, {"image": upload}, format="multipart")

    assert response.status_code == 400
    assert message in str(response.json())
    assert not Scan.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_oversized_upload_is_refused_by_size_without_being_kept(alice_api, model, settings):
    settings.PNEUMO_MAX_UPLOAD_BYTES = 50_000
    big = image_bytes(
        Image.fromarray(np.random.default_rng(1).integers(0, 255, (400, 400), dtype=np.uint8))
    )
    response = alice_api.post(
        SCANS, {"image": SimpleUploadedFile("big.png", big, "image/png")}, format="multipart"
    )

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail == f"The file is {len(big) / 1e6:.1f} MB; the limit is 0.1 MB a file."
    assert stored_files(settings.MEDIA_ROOT) == []


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.png",
        "a\x00b.png",
        "x" * 10_000 + ".png",
        "снимок 🫁.png",
        "..\\..\\win.png",
    ],
)
def test_client_file_names_never_reach_a_path(alice_api, model, settings, name):
    response = alice_api.post(
        SCANS, {"image": SimpleUploadedFile(name, xray_png(), "image/png")}, format="multipart"
    )

    assert response.status_code == 201
    scan = Scan.objects.get()
    assert "/" not in scan.original_filename and "\x00" not in scan.original_filename
    assert len(scan.original_filename) <= 255
    for path in stored_files(settings.MEDIA_ROOT):
        assert path.parent == settings.MEDIA_ROOT / "scans"
        assert re.fullmatch(r"[0-9a-f]{32}_(image|thumbnail)\.jpg", path.name)


def test_stored_image_is_re_encoded_without_metadata(alice_api, model, settings):
    exif = Image.Exif()
    exif[0x010E] = "PatientName=Doe^Jane"  # ImageDescription
    exif[0x8825] = {2: (48.0, 51.0, 24.0)}  # GPS latitude
    original = Image.fromarray(np.asarray(Image.open(io.BytesIO(xray_png(size=128)))))
    data = image_bytes(original.convert("RGB"), "JPEG", exif=exif.tobytes(), comment=b"payload")

    alice_api.post(
        SCANS, {"image": SimpleUploadedFile("x.jpg", data, "image/jpeg")}, format="multipart"
    )

    stored = [path.read_bytes() for path in stored_files(settings.MEDIA_ROOT)]
    assert stored and all(content.startswith(b"\xff\xd8") for content in stored)  # JPEG
    for content in stored:
        assert b"Doe^Jane" not in content and b"payload" not in content and b"Exif" not in content
        assert Image.open(io.BytesIO(content)).mode == "L"
