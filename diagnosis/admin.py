from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from diagnosis.models import Scan
from diagnosis.services import scan_delete, scans_delete


@admin.register(Scan)
class ScanAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "owner",
        "created_at",
        "original_filename",
        "predicted_class",
        "pneumonia_probability",
        "model_version",
    )
    list_filter = ("predicted_class", "model_version")
    search_fields = ("original_filename", "owner__username")
    # Stored images have no public URL; they are viewed through the site's own pages.
    exclude = ("image", "thumbnail")
    readonly_fields = [
        field.name for field in Scan._meta.fields if field.name not in {"image", "thumbnail"}
    ]

    def delete_model(self, request: HttpRequest, obj: Scan) -> None:
        scan_delete(scan=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Scan]) -> None:
        scans_delete(scans=queryset)
