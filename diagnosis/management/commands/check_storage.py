"""Find stored files no scan refers to, and scans whose files are missing."""

from django.core.management.base import BaseCommand

from diagnosis.services import storage_audit, storage_repair


class Command(BaseCommand):
    help = (
        "Report orphan files in the media folder and scans whose stored files are missing; "
        "with --delete, remove both."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--delete", action="store_true", help="delete orphan files and broken scans"
        )

    def handle(self, *args, delete: bool, **options) -> None:
        audit = storage_audit()
        for name in audit.orphan_files:
            self.stdout.write(f"orphan file: {name}")
        for scan_id, missing in audit.broken_scans.items():
            self.stdout.write(f"scan {scan_id} is missing: {', '.join(missing)}")
        if delete:
            storage_repair(audit)
            self.stdout.write(
                f"Deleted {len(audit.orphan_files)} orphan files and "
                f"{len(audit.broken_scans)} broken scans."
            )
        elif audit.orphan_files or audit.broken_scans:
            self.stdout.write("Run again with --delete to remove them.")
        else:
            self.stdout.write("Storage is consistent.")
