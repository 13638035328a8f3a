"""Valid images in unusual encodings are accepted, made upright and grayscale, and stored."""

import io

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from diagnosis.models import Scan
from mlcore.testing import image_bytes, xray_array

SCANS = reverse("api:scan-list")


def xray(size: tuple[int, int] = (128, 128)) -> Image.Image:
    return Image.fromarray(xray_array(128), mode="L").resize(size)


def exif_rotated_jpeg() -> bytes:
    """An upright 96x160 X-ray stored lying on its side, EXIF saying "rotate 90 degrees"."""
    lying = xray((96, 160)).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 degrees clockwise
    return image_bytes(lying.convert("RGB"), "JPEG", exif=exif.tobytes())


UNUSUAL = {
    "cmyk-jpeg": (lambda: image_bytes(xray().convert("CMYK"), "JPEG"), (128, 128)),
    "16-bit-png": (
        lambda: image_bytes(Image.fromarray(np.asarray(xray(), np.uint16) * 257), "PNG"),
        (128, 128),
    ),
    "palette-png": (lambda: image_bytes(xray().convert("P"), "PNG"), (128, 128)),
    "rgba-png": (lambda: image_bytes(xray().convert("RGBA"), "PNG"), (128, 128)),
    "exif-rotated-jpeg": (exif_rotated_jpeg, (96, 160)),  # predicted and stored upright
}


@pytest.mark.parametrize("kind", UNUSUAL)
def test_unusual_but_valid_image_is_analysed_upright_in_grayscale(alice_api, model, kind):
    make, upright_size = UNUSUAL[kind]

    response = alice_api.post(
        SCANS, {"image": SimpleUploadedFile(f"{kind}.img", make(), "image/png")}, format="multipart"
    )

    assert response.status_code == 201, response.json()
    scan = Scan.objects.get()  # the stored copy is the very image the model was given
    assert (scan.image_width, scan.image_height) == upright_size
    with scan.image.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
    assert stored.mode == "L" and stored.size == upright_size


def test_a_large_jpeg_keeps_its_own_size_and_a_display_sized_copy(alice_api, model, settings):
    """The model's decode of a large JPEG is drafted down to the model's size; the scan
    still records the source's upright size, and the display copy is decoded at its own."""
    lying = xray((2000, 2400)).transpose(Image.Transpose.ROTATE_90)  # stored 2400x2000
    exif = Image.Exif()
    exif[0x0112] = 6
    data = image_bytes(lying, "JPEG", exif=exif.tobytes())

    response = alice_api.post(
        SCANS, {"image": SimpleUploadedFile("large.jpg", data, "image/jpeg")}, format="multipart"
    )

    assert response.status_code == 201, response.json()
    scan = Scan.objects.get()
    assert (scan.image_width, scan.image_height) == (2000, 2400)
    with scan.image.open("rb") as handle:
        stored = Image.open(io.BytesIO(handle.read()))
    display = settings.PNEUMO_DISPLAY_SIZE
    assert display // 2 <= max(stored.size) <= display and stored.size[1] > stored.size[0]
