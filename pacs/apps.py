from django.apps import AppConfig


class PacsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pacs"
    verbose_name = "Hospital integration (DICOM)"
