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
        post_migrate.connect(create_cache_tables, sender=self)
