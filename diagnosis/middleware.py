"""The app's middleware: anonymous uploads refused before their body is read, the app's
errors (diagnosis.errors) answered with their HTTP status on pages, and what the access
audit trail records of each request.

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

from accounts import audit
from diagnosis.api.authentication import CHALLENGE
from diagnosis.errors import ApplicationError, http_status
from diagnosis.filters import is_id

Action = audit.Action

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


# What each view shows of patient data, for the access audit trail: (view name, methods)
# -> action. A read is recorded whatever its outcome (a refused look is worth knowing);
# a write only when refused, since a write that happens is recorded by its service in its
# own transaction.
AUDITED_READS = {
    "diagnosis:scan-detail": Action.VIEW_SCAN,
    "diagnosis:scan-report": Action.VIEW_REPORT,
    "diagnosis:scan-history": Action.VIEW_HISTORY,
    "diagnosis:scan-export": Action.EXPORT,
    "diagnosis:audit": Action.VIEW_AUDIT,
    "diagnosis:audit-export": Action.EXPORT,
    "api:scan-detail": Action.VIEW_SCAN,
    "api:scan-list": Action.VIEW_HISTORY,
    "api:scan-export": Action.EXPORT,
    "api:scan-image": Action.VIEW_IMAGE,
    "api:scan-thumbnail": Action.VIEW_IMAGE,
    "api:scan-heatmap": Action.VIEW_HEATMAP,
    "api:scan-saliency": Action.VIEW_SALIENCY,
    "api:audit-list": Action.VIEW_AUDIT,
    "api:audit-export": Action.EXPORT,
    "admin:diagnosis_scan_change": Action.VIEW_SCAN,
    "diagnosis:worklist": Action.VIEW_HISTORY,
    "diagnosis:scan-compare": Action.VIEW_SCAN,
}
READ_DETAILS = {
    "api:scan-thumbnail": "thumbnail",
    "admin:diagnosis_scan_change": "admin",
    "diagnosis:worklist": "worklist",
    "diagnosis:scan-compare": "side by side",
}
FILE_ACTIONS = {
    "image": Action.VIEW_IMAGE,
    "thumbnail": Action.VIEW_IMAGE,
    "heatmap": Action.VIEW_HEATMAP,
    "saliency": Action.VIEW_SALIENCY,
}
AUDITED_WRITES = {
    ("diagnosis:upload", "POST"): Action.UPLOAD,
    ("api:scan-list", "POST"): Action.UPLOAD,
    ("api:scan-batch", "POST"): Action.UPLOAD,
    ("legacy-predict", "POST"): Action.UPLOAD,
    ("diagnosis:scan-review", "POST"): Action.REVIEW,
    ("api:scan-review", "POST"): Action.REVIEW,
    ("api:scan-review", "DELETE"): Action.REVIEW,
    ("diagnosis:scan-override-gate", "POST"): Action.GATE_OVERRIDE,
    ("diagnosis:scan-delete", "POST"): Action.DELETE,
    ("api:scan-detail", "DELETE"): Action.DELETE,
    ("api:scan-detail", "PATCH"): Action.NOTES,
    ("diagnosis:scan-notes", "POST"): Action.NOTES,
    ("api:scan-detail", "PUT"): Action.NOTES,
}


def _audited_action(request: HttpRequest, status: int) -> tuple[str, str] | None:
    """(action, detail) if this request is one the trail records, else None."""
    match = request.resolver_match
    if match is None or not request.user.is_authenticated:
        return None
    if request.method in ("GET", "HEAD"):
        if match.view_name == "diagnosis:scan-file":
            kind = match.kwargs.get("kind", "")
            return FILE_ACTIONS[kind], kind if kind == "thumbnail" else ""
        action = AUDITED_READS.get(match.view_name)
        return (action, READ_DETAILS.get(match.view_name, "")) if action else None
    action = AUDITED_WRITES.get((match.view_name, request.method))
    return (action, f"refused: HTTP {status}") if action and status >= 400 else None


def _scan_id(request: HttpRequest) -> int | None:
    kwargs = request.resolver_match.kwargs
    pk = str(kwargs.get("pk", kwargs.get("object_id", "")))
    return int(pk) if is_id(pk) else None


class AccessAuditMiddleware:
    """Records views and downloads of scans, histories, exports and the trail itself, and
    refused writes. A row that cannot be written fails the request (a 500), so nothing is
    shown unrecorded."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        audited = _audited_action(request, response.status_code)
        if audited is None:
            return response
        action, detail = audited
        try:
            audit.record(
                action,
                scan_id=_scan_id(request),
                outcome=audit.outcome_of(response.status_code),
                detail=detail,
            )
        except Exception:
            response.close()  # the file a download had opened
            raise
        return response
