"""Error pages in the site's layout, with a way back (Django's handler400/403/404/500)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from diagnosis.services import too_many_files

logger = logging.getLogger(__name__)

TITLES = {
    400: _("Bad request"),
    403: _("Not allowed"),
    404: _("Page not found"),
    429: _("Too many attempts"),
    500: _("Server error"),
}
FALLBACK_500 = "Server error (500): something went wrong on our side. Please try again."


def error_page(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """The error in the site's layout; under /api/, in the API's one error shape (JSON)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    context = {"status": status, "title": TITLES[status], "message": message}
    return render(request, "error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, TooManyFilesSent):  # the parser stopped at the batch limit
        return error_page(request, 400, str(too_many_files()))
    return error_page(request, 400, gettext("The request could not be understood."))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception or "") or gettext("You are not allowed to do this.")
    return error_page(request, 403, message)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(
        request, 404, gettext("There is no page at this address, or not one you can see.")
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """The error page; if even that fails (the database down, say), one plain line."""
    try:
        message = gettext("Something went wrong on our side; it has been logged.")
        return error_page(request, 500, message)
    except Exception:
        logger.exception("The 500 page itself failed")
        return HttpResponse(FALLBACK_500, status=500, content_type="text/plain")


def lockout_message() -> str:
    minutes = settings.AXES_COOLOFF_TIME * 60  # django-axes counts in hours
    return gettext("Too many failed logins for this account: try again in %(minutes)s minutes.") % {
        "minutes": f"{minutes:g}"
    }


def locked_out(
    request: HttpRequest, response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """django-axes' lock-out (AXES_LOCKOUT_CALLABLE): 429 in the site's layout."""
    return error_page(request, 429, lockout_message())
