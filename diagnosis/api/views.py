"""REST API: thin, on the same services, selectors and filters as the pages."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from axes.handlers.proxy import AxesProxyHandler
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, Http404, StreamingHttpResponse
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import audit
from accounts.forms import DIRECTORY_DOWN_MESSAGE
from accounts.models import AccessEvent
from accounts.receivers import DIRECTORY_DOWN
from accounts.selectors import audit_events
from diagnosis.active_model import NO_MODEL_HELP, current_card
from diagnosis.api import schema
from diagnosis.api.serializers import (
    AuditEventSerializer,
    BatchResultSerializer,
    BatchUploadSerializer,
    LegacyPredictionSerializer,
    LegacyPredictUploadSerializer,
    ReviewInputSerializer,
    ScanNotesSerializer,
    ScanSerializer,
    ScanUploadSerializer,
)
from diagnosis.api.throttles import (
    TokenAddressThrottle,
    TokenUsernameThrottle,
    submitted_username,
)
from diagnosis.error_views import lockout_message
from diagnosis.errors import DirectoryUnavailable
from diagnosis.exports import AUDIT_FIELDS, EXPORT_FIELDS, audit_rows, csv_lines, export_rows
from diagnosis.filters import AuditFilterForm, HistoryFilterForm, is_id
from diagnosis.model_card import card_summary
from diagnosis.models import Scan
from diagnosis.responses import stored_file_response
from diagnosis.selectors import scan_list, scans_deletable_by, scans_visible_to, site_performance
from diagnosis.services import (
    scan_create_many,
    scan_delete,
    scan_heatmap,
    scan_review,
    scan_review_clear,
    scan_set_notes,
    scan_upload,
    uploads_allowed,
)


def rows_response(
    rows: Iterator[dict], fields: Sequence[str], name: str, request: Request
) -> Response | StreamingHttpResponse:
    """An export: a JSON list, or with ?as=csv the same rows as streamed CSV."""
    kind = request.query_params.get("as", "json")
    if kind not in ("json", "csv"):
        raise ValidationError({"as": ["`as` is json or csv."]})
    if kind == "csv":
        response = StreamingHttpResponse(csv_lines(rows, fields), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    return Response(list(rows))


def reanalyse_asked(request: Request) -> bool:
    """?reanalyse=1 (true, yes, on): analyse again what the caller uploaded before."""
    return request.query_params.get("reanalyse", "").lower() in {"1", "true", "yes", "on"}


@schema.SCANS
@schema.SCAN_INHERITED
class ScanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's scans, newest first (staff see everyone's)."""

    serializer_class = ScanSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    lookup_value_regex = "[0-9]+"  # anything else is no resource: a JSON 404
    UPLOAD_ACTIONS = ("create", "batch")
    FILTERED_ACTIONS = ("list", "export")  # the history's filters apply to these only

    def get_throttles(self) -> list:
        # Uploads cost a model run each: they get their own, tighter, rate.
        self.throttle_scope = "uploads" if self.action in self.UPLOAD_ACTIONS else None
        return super().get_throttles()

    def initial(self, request: Request, *args, **kwargs) -> None:
        # The router gives every route a format suffix (.json, .api); the extra actions
        # (files, export, batch) have their own formats, so a suffix there names nothing.
        suffix = kwargs.get("format")
        if suffix and self.action in {action.__name__ for action in self.get_extra_actions()}:
            raise NotFound(f"No such resource: /{self.action}/ takes no '.{suffix}' suffix.")
        super().initial(request, *args, **kwargs)

    def get_object(self) -> Scan:
        if not is_id(self.kwargs[self.lookup_field]):  # past any row's id: not the database's
            raise NotFound("No scan with that id.")
        return super().get_object()

    def get_queryset(self) -> QuerySet[Scan]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Scan.objects.none()
        if self.action == "destroy":
            return scans_deletable_by(self.request.user)
        if self.action not in self.FILTERED_ACTIONS:
            return scans_visible_to(self.request.user)
        filters = HistoryFilterForm(self.request.query_params)
        if not filters.is_valid():
            # Sentences under each filter's name, and all of them together in "detail".
            raise ValidationError(
                {**filters.problems_by_filter(), "detail": " ".join(filters.problems())}
            )
        return scan_list(self.request.user, filters.filters())

    @schema.SCAN_LIST
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @schema.SCAN_CREATE
    def create(self, request: Request) -> Response:
        upload = ScanUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        uploads_allowed(request.user, 1)
        scan, duplicate = scan_upload(
            owner=request.user,
            uploaded_file=upload.validated_data["image"],
            reanalyse=reanalyse_asked(request),
        )
        body = ScanSerializer(scan, context=self.get_serializer_context()).data
        if duplicate:
            return Response({**body, "duplicate_of": scan.pk})
        return Response(body, status=status.HTTP_201_CREATED)

    @schema.SCAN_BATCH
    @action(detail=False, methods=["post"])
    def batch(self, request: Request) -> Response:
        upload = BatchUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        uploads_allowed(request.user, len(upload.validated_data["images"]))
        result = scan_create_many(
            owner=request.user,
            uploaded_files=upload.validated_data["images"],
            reanalyse=reanalyse_asked(request),
        )
        body = BatchResultSerializer(result, context=self.get_serializer_context()).data
        if result.scans:
            return Response(body, status=status.HTTP_201_CREATED)
        if result.duplicates:
            return Response(body, status=status.HTTP_200_OK)
        detail = "None of the files could be analysed: `rejected` says why for each."
        return Response({"detail": detail, **body}, status=status.HTTP_400_BAD_REQUEST)

    @schema.SCAN_EXPORT
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request: Request) -> Response | StreamingHttpResponse:
        return rows_response(export_rows(self.get_queryset()), EXPORT_FIELDS, "scans", request)

    @schema.SCAN_REVIEW_SET
    @schema.SCAN_REVIEW_CLEAR
    @action(detail=True, methods=["post", "delete"], parser_classes=[JSONParser, FormParser])
    def review(self, request: Request, pk: str) -> Response:
        scan = self.get_object()
        if request.method == "DELETE":
            scan = scan_review_clear(scan=scan, reviewer=request.user)
        else:
            review = ReviewInputSerializer(data=request.data)
            review.is_valid(raise_exception=True)
            scan = scan_review(scan=scan, reviewer=request.user, **review.validated_data)
        return Response(ScanSerializer(scan, context=self.get_serializer_context()).data)

    @schema.SCAN_NOTES
    def partial_update(self, request: Request, pk: str) -> Response:
        notes = ScanNotesSerializer(data=request.data)
        notes.is_valid(raise_exception=True)
        scan = scan_set_notes(
            scan=self.get_object(), notes=notes.validated_data["notes"], editor=request.user
        )
        return Response(ScanSerializer(scan, context=self.get_serializer_context()).data)

    def perform_destroy(self, instance: Scan) -> None:
        scan_delete(scan=instance)

    @schema.SCAN_IMAGE
    @action(detail=True, methods=["get"])
    def image(self, request: Request, pk: str) -> FileResponse:
        return stored_file_response(self.get_object(), "image")

    @schema.SCAN_THUMBNAIL
    @action(detail=True, methods=["get"])
    def thumbnail(self, request: Request, pk: str) -> FileResponse:
        return stored_file_response(self.get_object(), "thumbnail")

    def _map_response(self, kind: str) -> FileResponse:
        scan = self.get_object()  # 404 for a scan the caller cannot see
        if not scan.is_recognised:
            raise Http404("No heatmap: the image was not recognised as a chest X-ray.")
        return stored_file_response(scan_heatmap(scan=scan, charged_to=self.request.user), kind)

    @schema.SCAN_HEATMAP
    @action(detail=True, methods=["get"])
    def heatmap(self, request: Request, pk: str) -> FileResponse:
        return self._map_response("heatmap")

    @schema.SCAN_SALIENCY
    @action(detail=True, methods=["get"])
    def saliency(self, request: Request, pk: str) -> FileResponse:
        return self._map_response("saliency")


@schema.AUDIT
class AuditViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The access audit trail, newest first: staff only (others get 403)."""

    serializer_class = AuditEventSerializer
    permission_classes = [IsAdminUser]

    def get_queryset(self) -> QuerySet[AccessEvent]:
        filters = AuditFilterForm(self.request.query_params)
        if not filters.is_valid():
            raise ValidationError(
                {**filters.problems_by_filter(), "detail": " ".join(filters.problems())}
            )
        return audit_events(filters.filters())

    @schema.AUDIT_LIST
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @schema.AUDIT_EXPORT
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request: Request) -> Response | StreamingHttpResponse:
        return rows_response(audit_rows(self.get_queryset()), AUDIT_FIELDS, "audit", request)


@schema.TOKEN
class TokenView(ObtainAuthToken):
    """DRF's token login, answering 429 rather than 400 while the user is locked out."""

    throttle_classes = [TokenAddressThrottle, TokenUsernameThrottle]

    def post(self, request: Request, *args, **kwargs) -> Response:
        credentials = {"username": submitted_username(request)}
        if AxesProxyHandler.is_locked(request._request, credentials):
            raise Throttled(detail=lockout_message())
        login = self.get_serializer(data=request.data)  # every backend: local, directory
        try:
            login.is_valid(raise_exception=True)
        except ValidationError:
            if getattr(request, DIRECTORY_DOWN, False):
                raise DirectoryUnavailable(DIRECTORY_DOWN_MESSAGE) from None
            raise
        user = login.validated_data["user"]
        with transaction.atomic():
            token, _ = Token.objects.get_or_create(user=user)
            audit.record(audit.Action.TOKEN, actor=audit.Actor(audit.Via.API, request, user))
        return Response({"token": token.key})


@schema.MODEL
class ModelCardView(APIView):
    """The active model: version, threshold, metrics, data and limitations."""

    @schema.MODEL_CARD
    def get(self, request: Request) -> Response:
        summary = card_summary(current_card())
        if summary is None:
            return Response(
                {"detail": NO_MODEL_HELP},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        return Response(summary)


@schema.MODEL
class SitePerformanceView(APIView):
    """How each model version does on this site's reviewed scans (the caller's, or all
    for staff): confusion matrix, sensitivity, specificity, precision, accuracy (95% Wilson
    intervals), ROC AUC (95% bootstrap interval), reliability table, counts behind each."""

    @schema.MODEL_SITE
    def get(self, request: Request) -> Response:
        return Response({"versions": site_performance(request.user)})


@schema.COMPATIBILITY
class LegacyPredictView(APIView):
    """The original FastAPI service's endpoint, kept for existing clients."""

    parser_classes = [MultiPartParser, FormParser]
    throttle_scope = "uploads"

    @schema.LEGACY_PREDICT
    def post(self, request: Request) -> Response:
        upload = LegacyPredictUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        uploads_allowed(request.user, 1)
        scan, duplicate = scan_upload(
            owner=request.user,
            uploaded_file=upload.validated_data["image_file"],
            reanalyse=reanalyse_asked(request),
        )
        body = LegacyPredictionSerializer(scan).data
        return Response({**body, "duplicate_of": scan.pk} if duplicate else body)
