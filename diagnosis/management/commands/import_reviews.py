"""``python manage.py import_reviews``: a labelled archive becomes reviewed scans."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import CommandError

from diagnosis.errors import ApplicationError, UploadRejected
from diagnosis.management.commands._quiet import QuietCommand
from diagnosis.models import Scan
from diagnosis.services import (
    ImportResult,
    RejectedFile,
    display_filename,
    scans_import_reviewed,
)
from mlcore.data.dataset import CLASS_DIRS, IMAGE_SUFFIXES, Sample, labelled_files
from mlcore.errors import MlcoreError

# A sample's label (its folder's index in CLASS_DIRS) -> the finding recorded.
FINDINGS = {label: Scan.PredictedClass(name.lower()) for label, name in enumerate(CLASS_DIRS)}
SUFFIXES = IMAGE_SUFFIXES | {".dcm"}


class Command(QuietCommand):
    help = (
        "Upload every image of a labelled archive (folders NORMAL/ and PNEUMONIA/, any case, "
        "at any depth) as scans of --owner, through the site's own upload path, and record "
        "the folder as each scan's review (by --reviewer, default the owner). Idempotent: a "
        "file the owner already uploaded (same SHA-256) is skipped; its review is set if it "
        "has none."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, required=True, help="the labelled archive")
        parser.add_argument("--owner", required=True, help="username the scans belong to")
        parser.add_argument("--reviewer", help="username recorded as reviewer (default: owner)")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=settings.PNEUMO_MAX_BATCH_FILES,
            help="files per forward pass (default PNEUMO_MAX_BATCH_FILES)",
        )
        parser.add_argument("--progress-every", type=int, default=100, help="files per line")

    def handle(self, *args, **options):
        owner = _user(options["owner"])
        reviewer = _user(options["reviewer"]) if options["reviewer"] else owner
        try:
            samples = labelled_files(options["data_dir"], SUFFIXES)
        except MlcoreError as exc:
            raise CommandError(str(exc)) from None
        if not samples:
            raise CommandError(
                f"No images in NORMAL/ or PNEUMONIA/ folders under {options['data_dir']}."
            )
        total, done, every = ImportResult(), 0, max(options["progress_every"], 1)
        for batch in _batches(samples, max(options["batch_size"], 1), every):
            result = _import_batch(owner, reviewer, batch)
            total.imported += result.imported
            total.duplicates += result.duplicates
            total.reviews_added += result.reviews_added
            total.rejected += result.rejected
            done += len(batch)
            if done % every == 0 or done == len(samples):
                self.stdout.write(
                    f"{done}/{len(samples)} files: {total.imported} imported, "
                    f"{total.duplicates} duplicates, {len(total.rejected)} rejected"
                )
        self._summary(total)

    def _summary(self, total: ImportResult) -> None:
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {total.imported} scans with their reviews; skipped "
                f"{total.duplicates} already uploaded ({total.reviews_added} of them given "
                f"the missing review); rejected {len(total.rejected)}."
            )
        )
        for rejected in total.rejected:
            self.stdout.write(f"  rejected {rejected.filename}: {rejected.detail}")


def _user(username: str):
    try:
        return get_user_model().objects.get_by_natural_key(username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"No user named {username!r}.") from None


def _batches(samples: Sequence[Sample], size: int, every: int) -> Iterator[list[Sample]]:
    """Up to ``size`` files and PNEUMO_MAX_BATCH_BYTES per batch, as an upload request; a
    batch also ends at each multiple of ``every`` files (where progress is said)."""
    batch: list[Sample] = []
    batch_bytes = 0
    for index, sample in enumerate(samples):
        file_bytes = sample.path.stat().st_size
        if batch and (
            len(batch) == size
            or batch_bytes + file_bytes > settings.PNEUMO_MAX_BATCH_BYTES
            or index % every == 0
        ):
            yield batch
            batch, batch_bytes = [], 0
        batch.append(sample)
        batch_bytes += file_bytes
    if batch:
        yield batch


def _import_batch(owner, reviewer, batch: list[Sample]) -> ImportResult:
    with ExitStack() as files:
        labelled = [
            (
                File(files.enter_context(sample.path.open("rb")), name=sample.path.name),
                FINDINGS[sample.label],
            )
            for sample in batch
        ]
        try:
            return scans_import_reviewed(owner=owner, reviewer=reviewer, files=labelled)
        except UploadRejected as exc:  # the batch as a whole (e.g. one file over the byte cap)
            rejected = [RejectedFile(display_filename(s.path.name), str(exc)) for s in batch]
            return ImportResult(rejected=rejected)
        except ApplicationError as exc:  # may not review, no model: nothing can be imported
            raise CommandError(str(exc)) from None
