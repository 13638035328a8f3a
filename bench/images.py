"""A realistic full-size upload: a 2000x1800 chest-X-ray-like JPEG of about 500 KB."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter


def full_size_xray_jpeg(width: int = 2000, height: int = 1800, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    y, x = y / height, x / width
    lungs = ((x - 0.32) ** 2 / 0.025 + (y - 0.5) ** 2 / 0.1 < 1) | (
        (x - 0.68) ** 2 / 0.025 + (y - 0.5) ** 2 / 0.1 < 1
    )
    pixels = np.where(lungs, 60.0, 170.0) + rng.normal(0, 18, (height, width))
    ribs = (np.sin(y * 60) > 0.7) & lungs
    pixels[ribs] += 50
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode="L")
    image = image.filter(ImageFilter.GaussianBlur(1.3))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    return buffer.getvalue()
