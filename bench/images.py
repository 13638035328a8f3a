"""A realistic full-size upload: a 2000x1800 chest-X-ray-like JPEG of about 500 KB."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "chest_xray"


def dataset_xrays(count: int) -> list[tuple[str, bytes]]:
    """``count`` real chest X-rays (name, JPEG bytes) from the shared test split, pneumonia
    and normal in turn (repeated when there are fewer); none without the data set."""
    folder = DATASET / "test"
    if not folder.is_dir():
        return []
    normal = sorted((folder / "NORMAL").glob("*.jpeg"))
    pneumonia = sorted((folder / "PNEUMONIA").glob("*.jpeg"))
    mixed = [p for pair in zip(pneumonia, normal, strict=False) for p in pair]
    mixed += pneumonia[len(normal) :]
    picked = [mixed[i % len(mixed)] for i in range(count)]
    return [(p.name, p.read_bytes()) for p in picked]


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
