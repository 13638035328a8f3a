"""Small generated X-ray-like images in the Kaggle layout (no shared data needed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "chest_xray"


def write_image(path: Path, label: int, rng: np.random.Generator, size: int = 64) -> None:
    """Noise; pneumonia images get a bright patch (so a model can learn something)."""
    pixels = rng.normal(90, 25, (size, size))
    if label:
        top, left = rng.integers(4, size // 2, 2)
        pixels[top : top + size // 3, left : left + size // 3] += 110
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path)


def make_layout(root: Path, counts: dict[str, int], seed: int = 0) -> Path:
    """``root/<split>/{NORMAL,PNEUMONIA}`` with ``counts[split]`` images per class.

    Two images per patient, named as in the Kaggle data set.
    """
    rng = np.random.default_rng(seed)
    for split, count in counts.items():
        for index in range(count):
            number = 1000 * len(split) + index // 2
            normal = f"IM-{number:04d}-{index % 2 + 1:04d}.jpeg"
            if index % 4 < 2:
                normal = "NORMAL2-" + normal
            write_image(root / split / "NORMAL" / normal, 0, rng)
            pneumonia = f"person{number}_bacteria_{index}.jpeg"
            write_image(root / split / "PNEUMONIA" / pneumonia, 1, rng)
    return root


@pytest.fixture
def tiny_data(tmp_path: Path) -> Path:
    return make_layout(tmp_path / "chest_xray", {"train": 16, "test": 6})


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "train").is_dir():
        pytest.skip(f"needs the shared data set at {SHARED_DATA} (not on this machine)")
    return SHARED_DATA


@pytest.fixture
def artifact(trained_artifact: Path, tmp_path: Path) -> Path:
    """A copy of the tiny trained artifact that a test may change."""
    return Path(shutil.copytree(trained_artifact, tmp_path / "model"))
