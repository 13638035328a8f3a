"""Real pictures that are no chest X-ray, from packages the project installs anyway.

The gate is fitted on chest X-rays only; these say whether it refuses what a person might
upload instead. Each is returned as the bytes of a file a user could upload (PNG, JPEG or
DICOM), so that it goes through the same decoder as uploads. Two groups, kept apart:
``TUNED_ON`` (matplotlib's sample images, and crops of its photograph) guided the choice of
the gate's features and cut-offs; ``HELD_OUT`` (pydicom's CT, MR and ultrasound test
files) were fitted on by nothing and refused by every candidate compared (docs/model.md).
Neither group is ever fitted on: the gates are fitted on chest X-rays only.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

TUNED_ON = "tuned on"
HELD_OUT = "held out"
# pydicom test files holding one real (not drawn) image that pydicom decodes without
# optional plugins: CT and MR slices, ultrasound frames.
DICOM_FILES = (
    "CT_small.dcm",
    "MR_small.dcm",
    "JPEG2000.dcm",
    "examples_ybr_color.dcm",
    "examples_palette.dcm",
)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _matplotlib_pictures() -> dict[str, bytes]:
    from matplotlib import cbook

    def sample(name: str) -> bytes:
        with cbook.get_sample_data(name) as handle:
            return handle.read()

    photo = Image.open(io.BytesIO(sample("grace_hopper.jpg")))
    # A raw 256x256 16-bit MRI slice (big-endian): a 16-bit PNG is how one would upload it.
    mri = np.frombuffer(sample("s1045.ima.gz"), ">u2").reshape(256, 256)
    width, height = photo.size
    return {
        "photograph (Grace Hopper)": sample("grace_hopper.jpg"),
        "photograph, face crop": _png(photo.crop((width // 4, 0, 3 * width // 4, height // 2))),
        "photograph, lower half": _png(photo.crop((0, height // 2, width, height))),
        "photograph, grayscale": _png(photo.convert("L")),
        "MRI slice of a head": _png(Image.fromarray(mri.astype(np.uint16))),
        "illustration (present)": sample("Minduka_Present_Blue_Pack.png"),
    }


def _held_out_pictures() -> dict[str, bytes]:
    import pydicom

    dicom_dir = Path(pydicom.__file__).parent / "data" / "test_files"
    return {f"DICOM {name}": (dicom_dir / name).read_bytes() for name in DICOM_FILES}


SOURCES: dict[str, Callable[[], dict[str, bytes]]] = {
    TUNED_ON: _matplotlib_pictures,
    HELD_OUT: _held_out_pictures,
}


def real_not_xray_uploads(group: str) -> dict[str, bytes]:
    """The real non-X-ray pictures of ``group`` (:data:`TUNED_ON` or :data:`HELD_OUT`), by
    name, as upload bytes."""
    return SOURCES[group]()
