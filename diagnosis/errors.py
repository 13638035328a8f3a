"""The app's own errors, and the one table that says which HTTP status each one gets.

Services raise these and know nothing of HTTP; they turn mlcore's errors into them at the
boundary (an unreadable image is an UploadRejected, a missing or busy model a
ModelUnavailable). The API's exception handler and the pages both answer from
:data:`HTTP_STATUS`: the API as ``{"detail": message}``, the pages through
:class:`ApplicationErrorMiddleware` unless a view renders the error itself (a form).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse


class ApplicationError(Exception):
    """Base of the errors a service raises on purpose; the message is for a person."""


class UploadRejected(ApplicationError, ValueError):
    """The upload cannot be accepted; the message says why."""


class ModelUnavailable(ApplicationError):
    """No usable model is installed, or it stayed busy; the message says what to do."""


class ScanGone(ApplicationError):
    """The scan does not exist (any more), e.g. deleted by another request meanwhile."""


class ReviewRejected(ApplicationError, ValueError):
    """The review is not valid (an unknown finding, a comment too long); the message says why."""


class ReviewNotAllowed(ApplicationError):
    """The user may see the scan but may not record its review."""


HTTP_STATUS: dict[type[ApplicationError], int] = {
    UploadRejected: 400,
    ReviewRejected: 400,
    ReviewNotAllowed: 403,
    ScanGone: 404,
    ModelUnavailable: 503,
}


def http_status(error: ApplicationError) -> int:
    """The status for ``error``: that of its nearest kind in :data:`HTTP_STATUS`."""
    for kind in type(error).__mro__:
        if kind in HTTP_STATUS:
            return HTTP_STATUS[kind]
    return 500


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
