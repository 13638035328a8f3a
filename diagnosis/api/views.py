"""REST API: thin, on the same services and selectors as the pages."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from diagnosis.api.serializers import (
    ErrorSerializer,
    LegacyPredictionSerializer,
    LegacyPredictUploadSerializer,
    ScanFilterSerializer,
    ScanSerializer,
    ScanUploadSerializer,
)
from diagnosis.models import Scan
from diagnosis.responses import stored_file_response
from diagnosis.selectors import scan_list, scans_deletable_by
from diagnosis.services import scan_create, scan_delete

ERRORS = {code: ErrorSerializer for code in (400, 401, 403, 503)}


@extend_schema(tags=["scans"])
class ScanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's scans, newest first (staff see everyone's)."""

    serializer_class = ScanSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Scan]:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Scan.objects.none()
        if self.action == "destroy":
            return scans_deletable_by(self.request.user)
        filters = ScanFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return scan_list(
            self.request.user, predicted_class=filters.validated_data.get("predicted_class")
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "predicted_class", enum=Scan.PredictedClass.values, description="Only this result"
            )
        ]
    )
    def list(self, request: Request, *args, **kwargs) -> Response:
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request={"multipart/form-data": ScanUploadSerializer},
        responses={201: ScanSerializer, **ERRORS},
        description="Upload a chest X-ray (field `image`); the prediction is stored as a scan.",
    )
    def create(self, request: Request) -> Response:
        upload = ScanUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        scan = scan_create(owner=request.user, uploaded_file=upload.validated_data["image"])
        body = ScanSerializer(scan, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Scan) -> None:
        scan_delete(scan=instance)

    @extend_schema(
        responses={(200, "image/png"): OpenApiTypes.BINARY, 404: ErrorSerializer},
        description="The stored X-ray, re-encoded as grayscale PNG.",
    )
    @action(detail=True, methods=["get"])
    def image(self, request: Request, pk: str) -> FileResponse:
        return stored_file_response(self.get_object(), "image")

    @extend_schema(
        responses={(200, "image/png"): OpenApiTypes.BINARY, 404: ErrorSerializer},
        description="A small PNG thumbnail of the stored X-ray.",
    )
    @action(detail=True, methods=["get"])
    def thumbnail(self, request: Request, pk: str) -> FileResponse:
        return stored_file_response(self.get_object(), "thumbnail")


@extend_schema(tags=["compatibility"])
class LegacyPredictView(APIView):
    """The original FastAPI service's endpoint, kept for existing clients."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": LegacyPredictUploadSerializer},
        responses={200: LegacyPredictionSerializer, **ERRORS},
        description="Upload field `image_file`; the scan is recorded in the caller's history.",
    )
    def post(self, request: Request) -> Response:
        upload = LegacyPredictUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        scan = scan_create(owner=request.user, uploaded_file=upload.validated_data["image_file"])
        return Response(LegacyPredictionSerializer(scan).data)
