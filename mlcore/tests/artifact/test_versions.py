"""Model versions on disk and the ACTIVE pointer."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlcore.artifact import versions
from mlcore.artifact.files import read_card
from mlcore.errors import ArtifactError
from mlcore.testing import TINY_VERSION


def test_versions_are_numbered_per_base_and_the_pointer_selects_one(artifact: Path, tmp_path):
    root = tmp_path / "models"
    assert versions.active_model_dir(root, artifact) == artifact  # no pointer: shipped
    assert versions.next_site_version(root, TINY_VERSION) == f"{TINY_VERSION}+site.1"

    name = versions.next_site_version(root, TINY_VERSION)
    versions.write_version(
        root, name, lambda folder: shutil.copytree(artifact, folder, dirs_exist_ok=True)
    )
    assert versions.next_site_version(root, f"{TINY_VERSION}+site.1") == f"{TINY_VERSION}+site.2"
    stamp = versions.pointer_stamp(root)

    versions.activate(root, name, artifact)

    assert versions.pointer_stamp(root) != stamp
    assert versions.active_model_dir(root, artifact) == root / name
    listed = versions.list_versions(root, artifact)
    assert [(v.name, v.active) for v in listed] == [("shipped", False), (name, True)]
    assert versions.name_of(root, artifact, read_card(artifact).version) == "shipped"
    versions.activate(root, "shipped", artifact)
    assert versions.active_model_dir(root, artifact) == artifact


def test_only_readable_versions_with_plain_names_can_be_activated(artifact: Path, tmp_path):
    root = tmp_path / "models"
    (root / "empty").mkdir(parents=True)
    with pytest.raises(ArtifactError, match="'empty' cannot be activated"):
        versions.activate(root, "empty", artifact)
    with pytest.raises(ArtifactError, match="not a model version name"):
        versions.activate(root, "../elsewhere", artifact)
    assert versions.pointer_stamp(root) is None


def test_a_failed_write_leaves_no_version_behind(tmp_path):
    def broken(folder: Path) -> None:
        (folder / "model.keras").write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        versions.write_version(tmp_path, "v+site.1", broken)
    assert list(tmp_path.iterdir()) == []
