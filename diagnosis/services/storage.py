"""Stored files and the one delete path: a scan's pictures are written all or nothing, and
leave with their row once its deletion commits; the audit finds what drifted apart."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from PIL import Image

from diagnosis.models import Scan
from mlcore.decode.pictures import reencoded


def save_pictures(stem: str, pictures: dict[str, Image.Image], fmt: str) -> dict[str, str]:
    """Each picture freshly encoded as ``fmt`` under ``<stem>_<kind>``: {kind: stored
    name}; all of them or, on any failure, none."""
    extension = {"JPEG": "jpg", "PNG": "png"}[fmt]
    names: dict[str, str] = {}
    try:
        for kind, picture in pictures.items():
            content = ContentFile(reencoded(picture, fmt))
            names[kind] = default_storage.save(f"{stem}_{kind}.{extension}", content)
    except BaseException:
        delete_stored(names.values())
        raise
    return names


def stored_size(names: Iterable[str]) -> int:
    """Bytes the stored files ``names`` take (what a user's quota counts)."""
    return sum(default_storage.size(name) for name in names)


def delete_stored(names: Iterable[str]) -> None:
    for name in names:
        default_storage.delete(name)


def scan_delete(*, scan: Scan) -> None:
    """Delete the row, then its files once the deletion is committed."""
    with transaction.atomic():
        # Delete the row as the lock finds it, not as this instance read it: its post_delete
        # then removes a heatmap stored by a concurrent first view since (and a first view
        # storing one after this lock finds no row and deletes its own file).
        locked = Scan.objects.select_for_update().filter(pk=scan.pk).first()
        (locked or scan).delete()


def scans_delete(*, scans: QuerySet[Scan]) -> int:
    """Delete many rows (the admin's bulk action), then their files once committed."""
    with transaction.atomic():
        deleted, _ = scans.delete()
    return deleted


def scan_files_delete_on_commit(scan: Scan) -> None:
    """Remove a deleted scan's stored files once its deletion commits (never before: a
    rolled-back delete keeps them). Every way a Scan row goes calls this, through the
    post_delete signal: the services above, the admin, and a deleted owner's cascade.
    """
    names = [field.name for field in scan.stored_files()]
    transaction.on_commit(lambda: delete_stored(names))


@dataclass
class StorageAudit:
    orphan_files: list[str] = field(default_factory=list)
    broken_scans: dict[int, list[str]] = field(default_factory=dict)


def storage_audit() -> StorageAudit:
    """Files under scans/ that no scan refers to; scans whose image or thumbnail is gone."""
    known: set[str] = set()
    audit = StorageAudit()
    files = ("image", "thumbnail", "heatmap", "saliency")
    for scan_id, *names in Scan.objects.values_list("pk", *files):
        known.update(name for name in names if name)
        missing = [name for name in names[:2] if not default_storage.exists(name)]
        if missing:
            audit.broken_scans[scan_id] = missing
    _, files = default_storage.listdir("scans") if default_storage.exists("scans") else ([], [])
    audit.orphan_files = sorted(f"scans/{name}" for name in files if f"scans/{name}" not in known)
    return audit


def storage_repair(audit: StorageAudit) -> None:
    """Delete what the audit found: orphan files, and scans that lost their image."""
    delete_stored(audit.orphan_files)
    for scan in Scan.objects.filter(pk__in=audit.broken_scans):
        scan_delete(scan=scan)
