import os
from pathlib import Path

from django.apps import AppConfig
from django.core.management import call_command
from django.db.models.signals import post_migrate


def create_cache_tables(using: str = "default", **kwargs) -> None:
    """The database caches' tables (the shared throttle counters) come with `migrate`."""
    call_command("createcachetable", database=using, verbosity=0)


class DiagnosisConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "diagnosis"
    verbose_name = "Chest X-ray diagnosis"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from diagnosis.models import Scan

        # However a row goes (a service, the admin, its owner's cascade), its files follow
        # and the trail records it.
        post_delete.connect(_scan_deleted, sender=Scan, dispatch_uid="diagnosis-scan-files")
        post_migrate.connect(create_cache_tables, sender=self)
        private_var_dir()


def private_var_dir() -> None:
    """The data folder 0700 and a SQLite database in it 0600: an install made before the
    settings' umask left them readable by every account on the host."""
    from django.conf import settings

    folder = Path(settings.VAR_DIR)
    database = Path(str(settings.DATABASES["default"].get("NAME", "")))
    for path, mode in ((folder, 0o700), (database, 0o600)):
        try:
            if path.exists() and path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
                path.chmod(mode)
        except OSError:  # a read-only or foreign file system: the settings' umask still holds
            continue


def _scan_deleted(sender, instance, **kwargs) -> None:
    """Inside the deletion's transaction: its audit row commits or rolls back with it."""
    from accounts import audit
    from diagnosis.services import scan_files_delete_on_commit

    audit.record(audit.Action.DELETE, scan_id=instance.pk)
    scan_files_delete_on_commit(instance)
