"""DICOM -> grayscale image, keeping only non-identifying technical tags.

Rendering follows the standard pipeline: Modality LUT (rescale slope/intercept), VOI LUT
(window centre/width or a LUT sequence) when present, MONOCHROME1 inverted so that bone is
bright, then stretched to 8 bits. Compressed transfer syntaxes decode with the handlers
installed (pydicom's own RLE, Pillow for JPEG baseline/extended and JPEG 2000); any other
gets an error naming the syntax. Patient identifiers are never read out of the dataset.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

DICOM_MAGIC_OFFSET = 128
DICOM_MAGIC = b"DICM"
# Technical tags shown to the user and stored with the scan: none identifies a patient.
KEPT_TAGS = (
    "Modality",
    "BodyPartExamined",
    "ViewPosition",
    "PhotometricInterpretation",
    "Rows",
    "Columns",
    "BitsStored",
    "NumberOfFrames",
)


@dataclass
class RenderedDicom:
    image: Image.Image
    tags: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def is_dicom(data: bytes) -> bool:
    return data[DICOM_MAGIC_OFFSET : DICOM_MAGIC_OFFSET + 4] == DICOM_MAGIC


def render_dicom(data: bytes, *, max_pixels: int, error: type[Exception]) -> RenderedDicom:
    """Decode a DICOM file's first frame; raise ``error`` with a clear message if impossible."""
    import pydicom
    from pydicom.errors import InvalidDicomError
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    try:
        dataset = pydicom.dcmread(io.BytesIO(data))
    except (InvalidDicomError, EOFError, ValueError, OSError) as exc:
        raise error(f"The DICOM file cannot be read ({exc}).") from None
    if "PixelData" not in dataset:
        raise error("The DICOM file holds no image (no Pixel Data).")
    rows, columns = int(dataset.get("Rows", 0)), int(dataset.get("Columns", 0))
    if rows * columns > max_pixels:
        raise error(
            f"The image is {columns}x{rows} pixels, more than the limit of {max_pixels:,} pixels."
        )
    syntax = dataset.file_meta.get("TransferSyntaxUID")
    try:
        pixels = dataset.pixel_array
    except (NotImplementedError, RuntimeError, ValueError) as exc:
        name = getattr(syntax, "name", str(syntax))
        raise error(
            f"The DICOM transfer syntax {name} cannot be decoded here ({exc.__class__.__name__}); "
            "export the image uncompressed, as RLE, JPEG baseline or JPEG 2000."
        ) from None
    notes = []
    frames = int(dataset.get("NumberOfFrames", 1) or 1)
    if frames > 1:
        pixels = pixels[0]
        notes.append(f"Multi-frame DICOM ({frames} frames): the first frame was used.")
    if pixels.ndim == 3:  # colour samples: luminance
        pixels = pixels[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    else:
        pixels = apply_voi_lut(apply_modality_lut(pixels, dataset), dataset)
    pixels = pixels.astype(np.float64)
    if dataset.get("PhotometricInterpretation") == "MONOCHROME1":
        pixels = pixels.max() - pixels
    low, high = pixels.min(), pixels.max()
    scaled = (pixels - low) / (high - low) * 255.0 if high > low else pixels * 0.0
    image = Image.fromarray(scaled.round().astype(np.uint8), mode="L")
    tags = {name: _plain(dataset.get(name)) for name in KEPT_TAGS if name in dataset}
    tags["TransferSyntax"] = getattr(syntax, "name", str(syntax))
    return RenderedDicom(image=image, tags=tags, notes=notes)


def _plain(value: Any) -> Any:
    """DICOM values -> JSON-ready plain values."""
    if isinstance(value, int | float | str):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return str(value)
