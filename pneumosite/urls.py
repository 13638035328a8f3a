"""Top-level routes: pages, the REST API and its docs, accounts, admin, health."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path, reverse_lazy
from django.views.generic import RedirectView
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import LoginView, session_status
from diagnosis.api.views import LegacyPredictView
from diagnosis.views import healthcheck
from pacs.views import IntegrationStatusView, integration_page

urlpatterns = [
    path("", include("diagnosis.urls")),
    path(
        "api/integration/",
        login_not_required(IntegrationStatusView.as_view()),
        name="api-integration",
    ),
    path("api/", include("diagnosis.api.urls")),
    path("dicomweb/", include("pacs.urls")),
    path("integration/", integration_page, name="integration"),
    path("api/schema/", login_not_required(SpectacularAPIView.as_view()), name="schema"),
    path(
        "api/docs/",
        login_not_required(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    # Where the original FastAPI service had its Swagger UI and schema.
    path("docs", login_not_required(RedirectView.as_view(url=reverse_lazy("api-docs")))),
    path(
        "openapi.json",
        login_not_required(RedirectView.as_view(url="/api/schema/?format=json")),
    ),
    path(
        "pneumonia/predict", login_not_required(LegacyPredictView.as_view()), name="legacy-predict"
    ),
    path("healthcheck", healthcheck, name="healthcheck"),
    # The language switcher's form posts here (Django's set_language: a cookie, then back),
    # signed in or not (the login page has the switcher too).
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # Log in and out, and change one's own password. No reset by e-mail: the site sends no
    # mail, so an open reset form would only be a way to probe for accounts (staff reset a
    # password in /admin/ or with `manage.py changepassword`).
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/session/", session_status, name="session-status"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("admin/", admin.site.urls),
]

handler400 = "diagnosis.error_views.bad_request"
handler403 = "diagnosis.error_views.permission_denied"
handler404 = "diagnosis.error_views.page_not_found"
handler500 = "diagnosis.error_views.server_error"
