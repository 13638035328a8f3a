"""Server-rendered pages. Thin: forms in, services and selectors do the work."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import AccessEvent
from accounts.selectors import AuditFilters, audit_events
from diagnosis.active_model import (
    card_of_version,
    current_card,
    current_model_dir,
    load_model_now,
    relation_to_active,
    saliency_note,
    score_is_probability,
    warming_up,
)
from diagnosis.deliveries import scan_deliveries
from diagnosis.errors import (
    CostLimited,
    ModelUnavailable,
    QuotaExceeded,
    UploadRejected,
    http_status,
)
from diagnosis.exports import AUDIT_FIELDS, audit_rows, csv_lines, export_rows
from diagnosis.filters import AuditFilterForm, FilterForm, HistoryFilterForm
from diagnosis.forms import ScanUploadForm
from diagnosis.model_card import PLOT_LABELS, card_summary
from diagnosis.models import Scan
from diagnosis.responses import MAP_KINDS, stored_file_response
from diagnosis.selectors import (
    PRIORITY_LABELS,
    scan_list,
    scan_next_unreviewed,
    scan_priors,
    scan_worklist,
    scans_deletable_by,
    scans_visible_to,
    site_performance,
    user_can_review,
)
from diagnosis.services import (
    BatchResult,
    UploadLimits,
    scan_create_many,
    scan_delete,
    scan_heatmap,
    scan_override_gate,
    scan_override_gate_undo,
    scan_review,
    scan_review_clear,
    scan_set_notes,
    uploads_allowed,
)

logger = logging.getLogger(__name__)

HISTORY_PAGE_SIZE = 25
# The detail page's review buttons, always in this order (a button that moved with the
# model's verdict would invite a mis-click): finding -> (label, keyboard shortcut). With
# Shift, the same key confirms and goes to the next scan of the worklist.
REVIEW_BUTTONS = {
    "normal": (gettext_lazy("Confirm normal"), "n"),
    "pneumonia": (gettext_lazy("Confirm pneumonia"), "p"),
}


# The session keeps the ids of the user's last upload, which the history marks as new.
LAST_UPLOAD = "last_upload_ids"


def _upload_page(request: HttpRequest, form: ScanUploadForm, status: int = 200) -> HttpResponse:
    context = {"form": form, "limits": UploadLimits.from_settings()}
    return render(request, "diagnosis/upload.html", context, status=status)


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _upload_page(request, ScanUploadForm())
    form = ScanUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _upload_page(request, form, status=400)
    try:
        uploads_allowed(request.user, len(form.cleaned_data["image"]))
        result = scan_create_many(
            owner=request.user,
            uploaded_files=form.cleaned_data["image"],
            reanalyse=form.cleaned_data["reanalyse"],
        )
    except (UploadRejected, ModelUnavailable, CostLimited, QuotaExceeded) as exc:
        form.add_error("image" if isinstance(exc, UploadRejected) else None, str(exc))
        return _upload_page(request, form, status=http_status(exc))
    if not result.scans and not result.duplicates:
        for rejected in result.rejected:
            form.add_error("image", f"{rejected.filename}: {rejected.detail}")
        return _upload_page(request, form, status=400)
    return _upload_results(request, result, sent=len(form.cleaned_data["image"]))


def _upload_results(request: HttpRequest, result: BatchResult, sent: int) -> HttpResponse:
    """Where an upload lands: one file, its result; several, the batch's own results
    (earlier scans of files uploaded before included), marked new in the history."""
    for duplicate in result.duplicates:
        earlier = duplicate.scan
        messages.info(
            request,
            _(
                "%(file)s was uploaded before (scan %(scan)d, %(date)s): its earlier result is "
                "shown, the model was not run again. Tick “Run the model again” to run it."
            )
            % {
                "file": duplicate.filename,
                "scan": earlier.pk,
                "date": f"{earlier.created_at:%Y-%m-%d}",
            },
        )
    results = result.scans + [duplicate.scan for duplicate in result.duplicates]
    if len(results) == 1 and not result.rejected:
        return _go_to(request, results[0].get_absolute_url())
    ids = [scan.pk for scan in results]
    request.session[LAST_UPLOAD] = ids
    messages.success(
        request,
        _("Analysed %(done)d of %(sent)d files.") % {"done": len(result.scans), "sent": sent},
    )
    for rejected in result.rejected:
        messages.error(
            request,
            _("%(file)s was not analysed: %(why)s")
            % {"file": rejected.filename, "why": rejected.detail},
        )
    batch = ",".join(map(str, ids))
    return _go_to(request, f"{reverse('diagnosis:scan-history')}?batch={batch}")


def _go_to(request: HttpRequest, url: str) -> HttpResponse:
    """Where an upload lands. The upload script (XMLHttpRequest) gets the address as JSON
    and goes there itself: a redirect it followed would spend the page's messages on a
    response it never shows."""
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return JsonResponse({"location": url})
    return redirect(url)


def _history_filters(request: HttpRequest) -> tuple[HistoryFilterForm, QuerySet[Scan]]:
    """The filter form and the scans it selects: none at all when a filter is invalid (the
    page says why), never the unfiltered history."""
    form = HistoryFilterForm(request.GET)
    if not form.is_valid():
        return form, scan_list(request.user).none()
    return form, scan_list(request.user, form.filters())


def _filtered_page(request: HttpRequest, form: FilterForm, rows: QuerySet) -> dict:
    """A list page's context: the asked page of ``rows``, its filters and their problems,
    and the query string without the page (for the pages' and the export's links)."""
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "page": Paginator(rows, HISTORY_PAGE_SIZE).get_page(request.GET.get("page")),
        "filters": form,
        "problems": form.problems(),
        "query": query.urlencode(),
        "filtered": bool(query),
    }


@require_GET
def scan_history(request: HttpRequest) -> HttpResponse:
    form, scans = _history_filters(request)
    context = {
        **_filtered_page(request, form, scans),
        "new_ids": set(request.session.get(LAST_UPLOAD, ())),
    }
    return render(request, "diagnosis/history.html", context)


def _csv_download(lines: Iterator[str], name: str) -> StreamingHttpResponse:
    """Streamed CSV (flat in memory whatever the number of rows), named with the time."""
    response = StreamingHttpResponse(lines, content_type="text/csv")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


@require_GET
def scan_export_csv(request: HttpRequest) -> StreamingHttpResponse:
    __, scans = _history_filters(request)
    return _csv_download(csv_lines(export_rows(scans)), "scans")


def _audit_filters(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AccessEvent]]:
    """Staff only (403 otherwise); like the history, invalid filters select no rows."""
    if not request.user.is_staff:
        raise PermissionDenied(_("Only staff may read the audit trail."))
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        return form, audit_events(AuditFilters()).none()
    return form, audit_events(form.filters())


@require_GET
def audit_trail(request: HttpRequest) -> HttpResponse:
    form, events = _audit_filters(request)
    context = {
        **_filtered_page(request, form, events),
        "retention_days": settings.PNEUMO_AUDIT_RETENTION_DAYS,
        "time_zone": settings.TIME_ZONE,
    }
    return render(request, "diagnosis/audit.html", context)


@require_GET
def audit_export_csv(request: HttpRequest) -> StreamingHttpResponse:
    __, events = _audit_filters(request)
    return _csv_download(csv_lines(audit_rows(events), AUDIT_FIELDS), "audit")


def _result_context(scan: Scan) -> dict:
    """What the result and report pages say about a scan's verdict and its scale: in the
    words of the model version that judged it, whichever is active now."""
    card = card_of_version(scan.model_version)
    return {
        "scan": scan,
        "score_is_probability": score_is_probability(scan.model_version),
        "calibration": card.calibration if card else None,
        "judged_by": relation_to_active(scan.model_version),
        "saliency_note": saliency_note(scan.saliency_peak, scan.saliency_area),
        "deliveries": scan_deliveries(scan),
    }


def _with_saliency(scan: Scan, user: AbstractBaseUser) -> Scan:
    """The scan with its saliency map made (under a second); without a model, or past the
    user's rate, the page still shows, and the map's own URL answers 503 or 429 saying why."""
    try:
        return scan_heatmap(scan=scan, charged_to=user)  # ScanGone: the middleware's 404
    except (ModelUnavailable, CostLimited):
        return scan


@require_GET
def scan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    scan = get_object_or_404(scans_visible_to(request.user), pk=pk)
    # Without JavaScript the toggle is two links: ?view=heatmap makes and shows the map.
    show_heatmap = request.GET.get("view") == "heatmap" and scan.is_recognised
    if show_heatmap:
        scan = _with_saliency(scan, request.user)
    can_review = user_can_review(request.user)
    context = {
        **_result_context(scan),
        "show_heatmap": show_heatmap,
        "can_review": can_review,
        "next_unreviewed": scan_next_unreviewed(request.user, scan) if can_review else None,
        "review_buttons": [
            {"value": value, "label": label, "key": key}
            for value, (label, key) in REVIEW_BUTTONS.items()
        ],
        "priors": scan_priors(request.user, scan),
        "display_size": settings.PNEUMO_DISPLAY_SIZE,
    }
    return render(request, "diagnosis/detail.html", context)


@require_GET
def scan_report(request: HttpRequest, pk: int) -> HttpResponse:
    """One scan on one printable page: image and heatmap, verdict, review, disclaimer."""
    scan = get_object_or_404(scans_visible_to(request.user), pk=pk)
    if scan.is_recognised:
        scan = _with_saliency(scan, request.user)
    context = {**_result_context(scan), "printed_at": timezone.now()}
    return render(request, "diagnosis/report.html", context)


@require_POST
def scan_review_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The detail page's review buttons (plain forms; the keyboard shortcuts submit them).
    Who may review and which findings are allowed: the services (403 / 400 otherwise)."""
    scan = get_object_or_404(scans_visible_to(request.user), pk=pk)
    if "clear" in request.POST:
        scan_review_clear(scan=scan, reviewer=request.user)
        messages.success(request, _("Review cleared."))
    else:
        scan = scan_review(
            scan=scan,
            reviewer=request.user,
            finding=request.POST.get("finding", ""),
            comment=request.POST.get("comment", ""),
        )
        finding = scan.get_review_finding_display().lower()
        messages.success(request, _("Reviewed: %(finding)s.") % {"finding": finding})
        if request.GET.get("then") == "next":
            following = scan_next_unreviewed(request.user, scan)
            if following is not None:
                return redirect(following)
            messages.info(request, _("No other scan awaits review."))
            return redirect("diagnosis:worklist")
    return redirect(scan)


@require_POST
def scan_notes_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The scan page's notes form: its owner, or a reviewer who sees it (the service)."""
    scan = get_object_or_404(scans_visible_to(request.user), pk=pk)
    scan_set_notes(scan=scan, notes=request.POST.get("notes", ""), editor=request.user)
    messages.success(request, _("Notes saved."))
    return redirect(scan)


@require_http_methods(["GET", "POST"])
def scan_override_gate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The detail page's "Give the model's verdict anyway": asked to confirm first (GET),
    done on POST, taken back with ``undo`` (reviewers only: the services)."""
    scan = get_object_or_404(scans_visible_to(request.user), pk=pk)
    if request.method == "GET":
        return render(request, "diagnosis/confirm_override.html", {"scan": scan})
    if "undo" in request.POST:
        scan_override_gate_undo(scan=scan, reviewer=request.user)
        messages.success(request, _("Taken back: the scan is not recognised again, no verdict."))
        return redirect(scan)
    scan = scan_override_gate(scan=scan, reviewer=request.user)
    verdict = scan.result_label.lower()
    messages.success(
        request, _("Verdict given despite the gate: %(verdict)s.") % {"verdict": verdict}
    )
    return redirect(scan)


@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    """The scans awaiting a review, most urgent first (selectors.PRIORITY)."""
    if not user_can_review(request.user):
        raise PermissionDenied(
            _("The worklist is for reviewers (staff, the Reviewers group, a ward's reviewers).")
        )
    page = Paginator(scan_worklist(request.user), HISTORY_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "labels": PRIORITY_LABELS, "query": ""}
    return render(request, "diagnosis/worklist.html", context)


@require_GET
def scan_compare(request: HttpRequest, pk: int, other: int) -> HttpResponse:
    """Two scans of one patient side by side (both must be the user's to see)."""
    visible = scans_visible_to(request.user)
    left = get_object_or_404(visible, pk=pk)
    right = get_object_or_404(visible, pk=other)
    return render(request, "diagnosis/compare.html", {"scans": [left, right]})


@require_http_methods(["GET", "POST"])
def scan_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    scan = get_object_or_404(scans_deletable_by(request.user), pk=pk)
    if request.method == "POST":
        name = scan.original_filename
        scan_delete(scan=scan)
        messages.success(request, _("Deleted the scan of %(file)s.") % {"file": name})
        return redirect("diagnosis:scan-history")
    return render(request, "diagnosis/confirm_delete.html", {"scan": scan})


@require_GET
def scan_file(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    """A stored image, only for who may see the scan (never a public media URL)."""
    scan = get_object_or_404(scans_visible_to(request.user), pk=pk)
    if kind in MAP_KINDS:
        if not scan.is_recognised:
            raise Http404(_("No heatmap: the image was not recognised as a chest X-ray."))
        # its errors: diagnosis.middleware.ApplicationErrorMiddleware
        scan = scan_heatmap(scan=scan, charged_to=request.user)
    return stored_file_response(scan, kind)


@require_GET
def model_card(request: HttpRequest) -> HttpResponse:
    summary = card_summary(current_card())
    folder = current_model_dir()
    plots = {
        name: label
        for name, label in PLOT_LABELS.items()
        if folder is not None and (folder / f"{name}.png").is_file()
    }
    return render(request, "diagnosis/model_card.html", {"summary": summary, "plot_names": plots})


@require_GET
def model_site(request: HttpRequest) -> HttpResponse:
    return render(
        request, "diagnosis/site_performance.html", {"versions": site_performance(request.user)}
    )


@require_GET
def model_plot(request: HttpRequest, name: str) -> FileResponse:
    folder = current_model_dir()
    path = folder / f"{name}.png" if folder is not None else None
    if name not in PLOT_LABELS or current_card() is None or path is None or not path.is_file():
        raise Http404("No such plot for the active model.")
    return FileResponse(path.open("rb"), content_type="image/png")


def _health(request: HttpRequest, status: int, detail: str, said: str = "") -> HttpResponse:
    """Says "ok", "loading" or "not ready" to anyone (a load balancer needs no more); staff
    also read why and which model (the version and its path are for operators)."""
    said = said or ("ok" if status == 200 else "not ready")
    if request.user.is_staff:
        said = f"{said}: {detail}"
    return HttpResponse(said, status=status, content_type="text/plain")


@login_not_required
@require_GET
def healthcheck(request: HttpRequest) -> HttpResponse:
    """200 when the app and database work; with ?model=1, the model too (503 "loading"
    while the worker loads it at start); else 503."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.exception("Health check: database unavailable")
        return _health(request, 503, "database unavailable")
    if request.GET.get("model"):
        if warming_up():
            return _health(request, 503, "the worker is loading its model", said="loading")
        try:
            card = load_model_now()
        except ModelUnavailable as exc:
            logger.warning("Health check: model unavailable: %s", exc)
            return _health(request, 503, f"model unavailable: {exc}")
        return _health(request, 200, f"model {card.version}")
    return _health(request, 200, "app and database")
