"""Server-rendered pages. Thin: forms in, services and selectors do the work."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from diagnosis.forms import HistoryFilterForm, ScanUploadForm
from diagnosis.ml import current_predictor
from diagnosis.responses import stored_file_response
from diagnosis.selectors import scan_list, scans_deletable_by, scans_visible_to
from diagnosis.services import ModelUnavailable, UploadRejected, scan_create, scan_delete
from mlcore.card import ArtifactError

logger = logging.getLogger(__name__)

HISTORY_PAGE_SIZE = 25


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method != "POST":
        form = ScanUploadForm()
    else:
        form = ScanUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                scan = scan_create(owner=request.user, uploaded_file=form.cleaned_data["image"])
            except UploadRejected as exc:
                form.add_error("image", str(exc))
                status = 400
            except ModelUnavailable as exc:
                form.add_error(None, str(exc))
                status = 503
            else:
                return redirect(scan)
        else:
            status = 400
    return render(request, "diagnosis/upload.html", {"form": form}, status=status)


@require_GET
def scan_history(request: HttpRequest) -> HttpResponse:
    filters = HistoryFilterForm(request.GET or None)
    predicted_class = filters.cleaned_data["predicted_class"] if filters.is_valid() else None
    page = Paginator(
        scan_list(request.user, predicted_class=predicted_class), HISTORY_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    query = f"predicted_class={predicted_class}&" if predicted_class else ""
    return render(
        request,
        "diagnosis/history.html",
        {"page": page, "filters": filters, "query": query, "predicted_class": predicted_class},
    )


@require_GET
def scan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scan = get_object_or_404(scans_visible_to(request.user), pk=pk)
    return render(request, "diagnosis/detail.html", {"scan": scan})


@require_http_methods(["GET", "POST"])
def scan_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    scan = get_object_or_404(scans_deletable_by(request.user), pk=pk)
    if request.method == "POST":
        name = scan.original_filename
        scan_delete(scan=scan)
        messages.success(request, f"Deleted the scan of {name}.")
        return redirect("diagnosis:scan-history")
    return render(request, "diagnosis/confirm_delete.html", {"scan": scan})


@require_GET
def scan_file(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    """A stored image, only for who may see the scan (never a public media URL)."""
    scan = get_object_or_404(scans_visible_to(request.user), pk=pk)
    return stored_file_response(scan, kind)


@login_not_required
@require_GET
def healthcheck(request: HttpRequest) -> HttpResponse:
    """200 "Good to go" when the app and database work; with ?model=1, the model too."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("Health check: database unavailable")
        return HttpResponse("Database unavailable", status=503, content_type="text/plain")
    if request.GET.get("model"):
        try:
            predictor = current_predictor()
            predictor.ensure_loaded()
        except ArtifactError as exc:
            return HttpResponse(f"Model unavailable: {exc}", status=503, content_type="text/plain")
        return HttpResponse(
            f"Good to go (model {predictor.card.version})", content_type="text/plain"
        )
    return HttpResponse("Good to go", content_type="text/plain")
