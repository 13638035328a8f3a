from django.contrib.auth.decorators import login_not_required
from django.urls import path
from rest_framework.routers import DefaultRouter

from diagnosis.api.views import (
    AuditViewSet,
    ModelCardView,
    ScanViewSet,
    SitePerformanceView,
    TokenView,
)

app_name = "api"

router = DefaultRouter()
router.register("scans", ScanViewSet, basename="scan")
router.register("audit", AuditViewSet, basename="audit")

urlpatterns = [
    *router.urls,
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    path("model/", ModelCardView.as_view(), name="model"),
    path("model/site/", SitePerformanceView.as_view(), name="model-site"),
]

# The API authenticates by itself (session or token) and answers 401/403 as JSON,
# never with the pages' login redirect.
for pattern in urlpatterns:
    login_not_required(pattern.callback)
