"""Importing labelled files as reviewed scans: one batch, idempotent by content."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile

from diagnosis.errors import ReviewNotAllowed
from diagnosis.models import Scan
from diagnosis.selectors import user_can_review
from diagnosis.services.reviews import scan_review
from diagnosis.services.uploads import RejectedFile, scan_create_many


@dataclass
class ImportResult:
    imported: int = 0
    duplicates: int = 0
    reviews_added: int = 0  # to duplicates that had none
    rejected: list[RejectedFile] = field(default_factory=list)


def scans_import_reviewed(
    *,
    owner: AbstractBaseUser,
    reviewer: AbstractBaseUser,
    files: Sequence[tuple[UploadedFile, str]],
) -> ImportResult:
    """Upload labelled files (one batch, one forward pass) as scans of ``owner``, each
    reviewed with its label by ``reviewer``. A file whose content the owner already has
    is not uploaded again; its review is set if it has none (a clinician's is kept)."""
    if not user_can_review(reviewer) or not (reviewer.is_staff or reviewer.pk == owner.pk):
        raise ReviewNotAllowed(
            f"{reviewer.get_username()} may not review {owner.get_username()}'s scans: a "
            "reviewer must be staff, or the owner and in the Reviewers group."
        )
    hashed = [(_sha256(upload), upload, finding) for upload, finding in files]
    existing = {
        scan.content_sha256: scan
        for scan in Scan.objects.filter(owner=owner, content_sha256__in=[h for h, *_ in hashed])
    }
    result, findings, fresh = ImportResult(), {}, []
    for sha256, upload, finding in hashed:
        if sha256 in existing or sha256 in findings:
            result.duplicates += 1
            scan = existing.get(sha256)
            if scan is not None and not scan.is_reviewed:
                scan_review(scan=scan, reviewer=reviewer, finding=finding)
                result.reviews_added += 1
            continue
        findings[sha256] = finding
        fresh.append(upload)
    if fresh:
        batch = scan_create_many(owner=owner, uploaded_files=fresh)
        for scan in batch.scans:
            scan_review(scan=scan, reviewer=reviewer, finding=findings[scan.content_sha256])
        result.imported, result.rejected = len(batch.scans), batch.rejected
    return result


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()
