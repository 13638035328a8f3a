from django.urls import path, re_path, register_converter

from diagnosis import views
from diagnosis.filters import is_id


class IdConverter:
    """A row id (diagnosis.filters.is_id): a longer number is no page, not a database
    error."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        if not is_id(value):
            raise ValueError(value)
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class FileKindConverter:
    regex = "image|thumbnail|heatmap|saliency"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(IdConverter, "id")
register_converter(FileKindConverter, "kind")
app_name = "diagnosis"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("scans/", views.scan_history, name="scan-history"),
    path("scans/<id:pk>/", views.scan_detail, name="scan-detail"),
    path("scans/export.csv", views.scan_export_csv, name="scan-export"),
    path("scans/<id:pk>/delete/", views.scan_delete_view, name="scan-delete"),
    path("scans/<id:pk>/review/", views.scan_review_view, name="scan-review"),
    path("scans/<id:pk>/notes/", views.scan_notes_view, name="scan-notes"),
    path(
        "scans/<id:pk>/override-gate/",
        views.scan_override_gate_view,
        name="scan-override-gate",
    ),
    path("scans/<id:pk>/report/", views.scan_report, name="scan-report"),
    path("scans/<id:pk>/compare/<id:other>/", views.scan_compare, name="scan-compare"),
    path("worklist/", views.worklist, name="worklist"),
    path("audit/", views.audit_trail, name="audit"),
    path("audit/export.csv", views.audit_export_csv, name="audit-export"),
    path("model/", views.model_card, name="model-card"),
    path("model/site/", views.model_site, name="model-site"),
    re_path(r"^model/(?P<name>[a-z_]+)\.png$", views.model_plot, name="model-plot"),
    path("scans/<id:pk>/<kind:kind>", views.scan_file, name="scan-file"),
]
