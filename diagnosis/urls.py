from django.urls import path, re_path

from diagnosis import views

app_name = "diagnosis"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("scans/", views.scan_history, name="scan-history"),
    path("scans/<int:pk>/", views.scan_detail, name="scan-detail"),
    path("scans/export.csv", views.scan_export_csv, name="scan-export"),
    path("scans/<int:pk>/delete/", views.scan_delete_view, name="scan-delete"),
    path("scans/<int:pk>/review/", views.scan_review_view, name="scan-review"),
    path(
        "scans/<int:pk>/override-gate/",
        views.scan_override_gate_view,
        name="scan-override-gate",
    ),
    path("scans/<int:pk>/report/", views.scan_report, name="scan-report"),
    path("model/", views.model_card, name="model-card"),
    path("model/site/", views.model_site, name="model-site"),
    re_path(r"^model/(?P<name>[a-z_]+)\.png$", views.model_plot, name="model-plot"),
    re_path(
        r"^scans/(?P<pk>[0-9]+)/(?P<kind>image|thumbnail|heatmap|saliency)$",
        views.scan_file,
        name="scan-file",
    ),
]
