"""Model versions on disk."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlcore.artifact import versions
from mlcore.artifact.files import read_card
from mlcore.errors import ArtifactError, VersionNotInstalled
from mlcore.testing import TINY_VERSION


def test_versions_are_numbered_per_base_and_listed_with_the_active_one(artifact: Path, tmp_path):
    root = tmp_path / "models"
    assert versions.next_site_version(root, TINY_VERSION) == f"{TINY_VERSION}+site.1"

    name = versions.next_site_version(root, TINY_VERSION)
    versions.write_version(
        root, name, lambda folder: shutil.copytree(artifact, folder, dirs_exist_ok=True)
    )

    assert versions.next_site_version(root, f"{TINY_VERSION}+site.1") == f"{TINY_VERSION}+site.2"
    assert versions.installed_model_dir(root, name, artifact) == root / name
    assert versions.installed_model_dir(root, "shipped", artifact) == artifact
    listed = versions.list_versions(root, artifact, active=name)
    assert [(v.name, v.active) for v in listed] == [("shipped", False), (name, True)]
    assert versions.name_of(root, artifact, read_card(artifact).version) == "shipped"
    assert versions.activatable(root, name, artifact).version == read_card(artifact).version


def test_only_readable_versions_with_plain_names_can_be_activated(artifact: Path, tmp_path):
    root = tmp_path / "models"
    (root / "empty").mkdir(parents=True)
    with pytest.raises(ArtifactError, match="'empty' cannot be activated"):
        versions.activatable(root, "empty", artifact)
    with pytest.raises(ArtifactError, match="not a model version name"):
        versions.activatable(root, "../elsewhere", artifact)


def test_a_version_this_machine_lacks_is_named_with_what_to_do(artifact: Path, tmp_path):
    with pytest.raises(VersionNotInstalled, match=r"v9\+site\.1 is the active one, but it is not"):
        versions.installed_model_dir(tmp_path / "models", "v9+site.1", artifact)


def test_a_failed_write_leaves_no_version_behind(tmp_path):
    def broken(folder: Path) -> None:
        (folder / "model.keras").write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        versions.write_version(tmp_path, "v+site.1", broken)
    assert list(tmp_path.iterdir()) == []
