"""Small generated images for tests: no dataset file is ever needed."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def xray_array(size: int = 96, *, opaque: bool = False, seed: int = 0) -> np.ndarray:
    """A chest-X-ray-like 8-bit picture: dark lungs in a brighter body, optional haze."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    body = 0.55 + 0.1 * rng.standard_normal((size, size))
    lungs = ((x - 0.3) ** 2 / 0.03 + (y - 0.5) ** 2 / 0.12 < 1) | (
        (x - 0.7) ** 2 / 0.03 + (y - 0.5) ** 2 / 0.12 < 1
    )
    pixels = np.where(lungs, 0.15, body)
    if opaque:
        pixels = np.where(lungs, 0.15 + 0.6 * rng.random((size, size)), pixels)
    return (np.clip(pixels, 0, 1) * 255).astype(np.uint8)


def image_bytes(image: Image.Image, fmt: str = "PNG", **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def xray_png(size: int = 96, *, opaque: bool = False, seed: int = 0) -> bytes:
    return image_bytes(Image.fromarray(xray_array(size, opaque=opaque, seed=seed), mode="L"))


def xray_jpeg(size: int = 96, *, opaque: bool = False, seed: int = 0) -> bytes:
    image = Image.fromarray(xray_array(size, opaque=opaque, seed=seed), mode="L").convert("RGB")
    return image_bytes(image, "JPEG", quality=90)
