"""What is made of a decoded picture: the model's input and the copies the app keeps."""

from __future__ import annotations

import io
import math

import numpy as np
from PIL import Image, ImageOps

# Stored copies. JPEG quality 90 is visually lossless for a display-sized radiograph and
# encodes far faster than PNG (BENCHMARKS.md, "Decoding and stored copies"); heatmap
# overlays are PNG.
STORED_FORMAT_OPTIONS = {"JPEG": {"quality": 90}, "PNG": {"compress_level": 1}}


def reduced_copy(image: Image.Image, longest_side: int) -> Image.Image:
    """The image shrunk by the smallest whole factor that fits ``longest_side``.

    Whole-factor box reduction costs a fraction of a resampling resize to exactly
    ``longest_side`` (BENCHMARKS.md, "Decoding and stored copies"): the copy ends up
    between half and all of ``longest_side``.
    """
    factor = math.ceil(max(image.size) / longest_side)
    return image.reduce(factor) if factor > 1 else image.copy()


def reencoded(image: Image.Image, fmt: str) -> bytes:
    """A fresh encoding ("JPEG" or "PNG"): no metadata and none of the uploaded bytes survive.

    Pillow writes an image's ``info`` (a JPEG comment, an ICC profile) back on save,
    so the pixels are encoded from a copy without it.
    """
    pixels = image.copy()
    pixels.info = {}
    buffer = io.BytesIO()
    pixels.save(buffer, format=fmt, **STORED_FORMAT_OPTIONS[fmt])
    return buffer.getvalue()


def to_model_input(image: Image.Image, size: int, *, equalize: bool = False) -> np.ndarray:
    """Grayscale image -> float32 array of shape (size, size, 1) scaled to 0..1.

    The image is stretched to a square, as the training images were.
    """
    resized = image.resize((size, size), Image.Resampling.BILINEAR, reducing_gap=3.0)
    if equalize:
        resized = ImageOps.equalize(resized)
    array = np.asarray(resized, dtype=np.float32) / 255.0
    return array[..., np.newaxis]
