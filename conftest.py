"""What every test tree shares: one tiny trained model artifact per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcore.testing import build_tiny_artifact


@pytest.fixture(scope="session")
def trained_artifact(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny model trained on generated images in a few seconds (never change it: copy)."""
    return build_tiny_artifact(tmp_path_factory.mktemp("tiny-model"))
