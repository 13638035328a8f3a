from django.apps import AppConfig


class PacsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "pacs"
    verbose_name = "Hospital integration (DICOM)"

    def ready(self) -> None:
        from diagnosis import deliveries
        from diagnosis.signals import scan_reviewed
        from pacs.receivers import deliveries_of, review_to_pacs

        scan_reviewed.connect(review_to_pacs, dispatch_uid="pacs-review-to-pacs")
        deliveries.register(deliveries_of)
