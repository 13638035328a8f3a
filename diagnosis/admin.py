from django.contrib import admin

from diagnosis.models import Scan


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
