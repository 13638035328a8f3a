"""Find stored files no scan refers to, scans whose files are missing, and uploads left
on disk."""

from diagnosis.management.commands._quiet import QuietCommand
from diagnosis.services import storage_audit, storage_repair
from diagnosis.upload_handlers import leftover_uploads


class Command(QuietCommand):
    help = (
        "Report orphan files in the media folder, scans whose stored files are missing and "
        "upload files left on disk; with --delete, remove them."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--delete",
            action="store_true",
            help="delete orphan files, broken scans and leftover uploads",
        )

    def handle(self, *args, delete: bool, **options) -> None:
        audit = storage_audit()
        leftovers = leftover_uploads()
        for name in audit.orphan_files:
            self.stdout.write(f"orphan file: {name}")
        for scan_id, missing in audit.broken_scans.items():
            self.stdout.write(f"scan {scan_id} is missing: {', '.join(missing)}")
        for path in leftovers:
            self.stdout.write(f"leftover upload: {path}")
        if delete:
            storage_repair(audit)
            for path in leftovers:
                path.unlink(missing_ok=True)
            self.stdout.write(
                f"Deleted {len(audit.orphan_files)} orphan files, {len(leftovers)} leftover "
                f"uploads and {len(audit.broken_scans)} broken scans."
            )
        elif audit.orphan_files or audit.broken_scans or leftovers:
            self.stdout.write("Run again with --delete to remove them.")
        else:
            self.stdout.write("Storage is consistent.")
