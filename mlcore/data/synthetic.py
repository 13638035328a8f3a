"""Generated pictures: chest-X-ray-like ones, and ones that are no chest X-ray at all.

The tests draw their inputs with these, and the gate's report measures how many of the
non-X-rays it flags. Nothing here reads a file.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw


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


def not_xray_images(size: int = 96) -> dict[str, Image.Image]:
    """Pictures that are no chest X-ray, for the "is this a chest X-ray?" gate."""
    rng = np.random.default_rng(0)
    text = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(text)
    for line in range(0, size - 12, 14):
        draw.text((4, 4 + line), "INVOICE 2026 total 123.45", fill=0)
    return {
        "noise": Image.fromarray(rng.integers(0, 256, (size, size), dtype=np.uint8)),
        "coarse noise": Image.fromarray(rng.integers(0, 256, (24, 24), dtype=np.uint8)).resize(
            (size, size)
        ),
        "gradient": Image.fromarray(np.tile(np.linspace(0, 255, size, dtype=np.uint8), (size, 1))),
        "blank white": Image.new("L", (size, size), 255),
        "blank black": Image.new("L", (size, size), 0),
        "text": text,
        "colour blocks": Image.fromarray((rng.random((6, 6, 3)) * 255).astype(np.uint8)).resize(
            (size, size)
        ),
        "photo-like": Image.fromarray((rng.random((40, 40, 3)) * 255).astype(np.uint8)).resize(
            (size, size), Image.Resampling.BICUBIC
        ),
    }
