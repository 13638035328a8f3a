"""Model versions on disk.

Site versions (made by ``adapt_to_site`` or ``set_site_threshold``) live in a writable
folder, one sub-folder per version (``$PNEUMO_VAR_DIR/models/<version>/``, or a store that
several machines share), never in the code tree; ``shipped`` names the model the site was
configured with (``PNEUMO_MODEL_DIR``, by default the one shipped in
``mlcore/shipped_model``). A version is written whole under a temporary name, then renamed,
so a reader sees it complete or not at all. Which version is active is the caller's to
keep (the web app keeps it in its database, which every machine shares).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mlcore.artifact.card import ModelCard
from mlcore.artifact.files import read_card
from mlcore.errors import ArtifactError, VersionNotInstalled

SHIPPED = "shipped"
SITE_SUFFIX = "+site."
_VERSION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,100}")


@dataclass(frozen=True)
class Version:
    """One selectable model: its name (``shipped`` or a folder name), folder and card."""

    name: str
    folder: Path
    card: ModelCard | None  # None: the folder holds no readable artifact
    active: bool


def model_dir_of(models_root: Path, name: str, shipped_dir: Path) -> Path:
    if name == SHIPPED:
        return Path(shipped_dir)
    if not _VERSION_NAME.fullmatch(name) or name in {".", ".."}:
        raise ArtifactError(f"{name!r} is not a model version name.")
    return Path(models_root) / name


def installed_model_dir(models_root: Path, name: str, shipped_dir: Path) -> Path:
    """The folder of version ``name``; VersionNotInstalled when this machine lacks a site
    version (a missing shipped model is the artifact's own error, when it is loaded)."""
    folder = model_dir_of(models_root, name, shipped_dir)
    if name != SHIPPED and not folder.is_dir():
        raise VersionNotInstalled(
            f"Model version {name} is the active one, but it is not installed on this machine "
            f"(no folder {folder}): share the model store (PNEUMO_MODEL_VERSIONS_DIR) with "
            "the machine that made it, or copy the version there."
        )
    return folder


def activatable(models_root: Path, name: str, shipped_dir: Path) -> ModelCard:
    """The card of ``name`` (a version folder's name, or ``shipped``), if it can be made the
    active model; ArtifactError saying why not."""
    folder = model_dir_of(models_root, name, shipped_dir)
    try:
        return read_card(folder)
    except ArtifactError as exc:
        raise ArtifactError(f"Version {name!r} cannot be activated: {exc}") from None


def next_site_version(models_root: Path, from_version: str) -> str:
    """``<base version>+site.<n>``: n one more than any site version of that base here."""
    base = from_version.split("+", 1)[0]
    taken = [0]
    if Path(models_root).is_dir():
        pattern = re.compile(re.escape(base + SITE_SUFFIX) + r"(\d+)")
        for child in Path(models_root).iterdir():
            match = pattern.fullmatch(child.name)
            if match:
                taken.append(int(match.group(1)))
    return f"{base}{SITE_SUFFIX}{max(taken) + 1}"


def write_version(models_root: Path, name: str, write: Callable[[Path], None]) -> Path:
    """Create the folder of version ``name``: ``write`` fills a temporary folder, which is
    then renamed, so a half-written version is never listed nor activated."""
    target = model_dir_of(models_root, name, Path())
    if target.exists():
        raise ArtifactError(f"Version {name} already exists in {models_root}.")
    staging = Path(models_root) / f".{name}.{os.getpid()}.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        write(staging)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def list_versions(models_root: Path, shipped_dir: Path, active: str = SHIPPED) -> list[Version]:
    """``shipped`` first, then the site versions, oldest first (``active``: which is)."""
    names = [SHIPPED]
    if Path(models_root).is_dir():
        folders = [c for c in Path(models_root).iterdir() if c.is_dir() and c.name[0] != "."]
        names += [c.name for c in sorted(folders, key=lambda c: (c.stat().st_mtime, c.name))]
    versions = []
    for name in names:
        folder = model_dir_of(models_root, name, shipped_dir)
        try:
            card = read_card(folder)
        except ArtifactError:
            card = None
        versions.append(Version(name, folder, card, name == active))
    return versions


def name_of(models_root: Path, shipped_dir: Path, version: str) -> str | None:
    """The selectable name (``shipped`` or a folder) of the model whose card says ``version``."""
    for candidate in list_versions(models_root, shipped_dir):
        if candidate.card is not None and candidate.card.version == version:
            return candidate.name
    return None
