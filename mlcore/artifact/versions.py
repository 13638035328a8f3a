"""Model versions on disk and the pointer that selects the active one.

Site versions (made by ``adapt_to_site`` or ``set_site_threshold``) live in a writable
folder, one sub-folder per version (``$PNEUMO_VAR_DIR/models/<version>/``), never in the
code tree. The text file ``ACTIVE`` there names the active version; no file, or
``shipped``, means the model the site was configured with (``PNEUMO_MODEL_DIR``, by default
the one shipped in ``mlcore/shipped_model``). Every write is atomic (a temporary name, then
``os.replace``), so a web worker reading concurrently sees the old state or the new one.
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
from mlcore.errors import ArtifactError

ACTIVE_FILENAME = "ACTIVE"
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


def pointer_path(models_root: Path) -> Path:
    return Path(models_root) / ACTIVE_FILENAME


def pointer_stamp(models_root: Path) -> tuple[int, int, int] | None:
    """What changes whenever the pointer is rewritten (one ``os.stat``, no read)."""
    try:
        stat = os.stat(pointer_path(models_root))
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_ino, stat.st_size


def active_name(models_root: Path) -> str:
    """The active version's name: the pointer's content, or ``shipped`` without one."""
    try:
        name = pointer_path(models_root).read_text().strip()
    except FileNotFoundError:
        return SHIPPED
    return name or SHIPPED


def model_dir_of(models_root: Path, name: str, shipped_dir: Path) -> Path:
    if name == SHIPPED:
        return Path(shipped_dir)
    if not _VERSION_NAME.fullmatch(name) or name in {".", ".."}:
        raise ArtifactError(f"{name!r} is not a model version name.")
    return Path(models_root) / name


def active_model_dir(models_root: Path, shipped_dir: Path) -> Path:
    """The folder of the active model (the pointer's version, else ``shipped_dir``)."""
    return model_dir_of(models_root, active_name(models_root), shipped_dir)


def activate(models_root: Path, name: str, shipped_dir: Path) -> ModelCard:
    """Make ``name`` (a version folder's name, or ``shipped``) the active model."""
    folder = model_dir_of(models_root, name, shipped_dir)
    try:
        card = read_card(folder)
    except ArtifactError as exc:
        raise ArtifactError(f"Version {name!r} cannot be activated: {exc}") from None
    root = Path(models_root)
    root.mkdir(parents=True, exist_ok=True)
    temporary = root / f".{ACTIVE_FILENAME}.{os.getpid()}.tmp"
    temporary.write_text(name + "\n")
    os.replace(temporary, pointer_path(root))
    return card


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


def list_versions(models_root: Path, shipped_dir: Path) -> list[Version]:
    """``shipped`` first, then the site versions, oldest first."""
    active = active_name(models_root)
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
