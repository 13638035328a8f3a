"""The app's middleware: anonymous uploads refused before their body is read, and the
app's errors (diagnosis.errors) answered with their HTTP status on pages.

An upload's body is parsed by the first code that reads request.POST or request.FILES:
for the pages that is CsrfViewMiddleware.process_view, before any login check, so an
anonymous client could make the server parse (and spool) hundreds of megabytes just to be
redirected to the login page. This middleware answers in the request phase, which runs
before every process_view; it must come after AuthenticationMiddleware.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve

from diagnosis.api.authentication import CHALLENGE
from diagnosis.errors import ApplicationError, http_status

# Upload views: True for the API (a token in the Authorization header is checked by DRF
# before it reads the body), False for pages (a session only).
UPLOAD_VIEWS = {
    "api:scan-list": True,
    "api:scan-batch": True,
    "legacy-predict": True,
    "diagnosis:upload": False,
}


def _upload_view(request: HttpRequest) -> bool | None:
    """True/False for an API/page upload view, None for anything else."""
    try:
        return UPLOAD_VIEWS.get(resolve(request.path_info).view_name)
    except Resolver404:
        return None


class RefuseAnonymousUploadsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        is_api = _upload_view(request) if request.method == "POST" else None
        if is_api is None or request.user.is_authenticated:
            return self.get_response(request)
        if not is_api:
            return redirect_to_login(request.get_full_path())
        if "HTTP_AUTHORIZATION" in request.META:
            return self.get_response(request)
        response = JsonResponse(
            {"detail": "Authentication credentials were not provided."}, status=401
        )
        response["WWW-Authenticate"] = CHALLENGE
        return response


class ApplicationErrorMiddleware:
    """Pages: an ApplicationError a view lets through becomes its status (404 and 403: the
    site's error pages, the 403 saying why; others: the message as plain text)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, error: Exception) -> HttpResponse | None:
        if not isinstance(error, ApplicationError):
            return None
        status = http_status(error)
        if status == 404:
            raise Http404(str(error)) from error
        if status == 403:
            raise PermissionDenied(str(error)) from error
        return HttpResponse(str(error), status=status, content_type="text/plain")
