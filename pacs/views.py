"""DICOMweb STOW-RS: `POST /dicomweb/studies`, the way a PACS that pushes over HTTP
delivers (token auth). Each instance goes where a C-STORE goes (pacs.services)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from diagnosis.api.schema import errors
from diagnosis.api.serializers import ErrorSerializer
from diagnosis.services import too_many_files
from pacs import stow
from pacs.selectors import integration_status
from pacs.serializers import IntegrationStatusSerializer
from pacs.services import dicom_owner, stow_receive

DICOM_JSON = "application/dicom+json"


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "payload_too_large"


class DicomMultipartParser(BaseParser):
    """multipart/related of DICOM instances, read no further than a batch may hold."""

    media_type = "multipart/related"

    def parse(self, stream, media_type=None, parser_context=None) -> list[stow.Part]:
        limit = settings.PNEUMO_MAX_BATCH_BYTES
        request = (parser_context or {}).get("request")
        declared = int((request.META if request else {}).get("CONTENT_LENGTH") or 0)
        body = stream.read(limit + 1) if stream is not None and declared <= limit else None
        if body is None or len(body) > limit:
            raise PayloadTooLarge(f"The request is larger than {limit / 1e6:.1f} MB.")
        try:
            parts = stow.body_parts(media_type or "", body)
        except stow.StowRejected as exc:
            raise exceptions.ParseError(str(exc)) from None
        if len(parts) > settings.PNEUMO_MAX_BATCH_FILES:
            raise too_many_files(len(parts))
        return parts


class DicomJsonRenderer(JSONRenderer):
    """What a STOW-RS client asks for (Orthanc sends Accept: application/dicom+json)."""

    media_type = DICOM_JSON


class MaySendFromPacs(permissions.BasePermission):
    """The service user that owns received scans, or a user given the permission."""

    message = "Only the PACS's service user (PNEUMO_DICOM_OWNER) may store instances."

    def has_permission(self, request: Request, view) -> bool:
        if request.method != "POST":
            return True  # the view answers 405 for any other method, whatever the settings
        user = request.user
        return user.has_perm("pacs.add_receivedinstance") or user == dicom_owner()


class IntegrationStatusView(APIView):
    permission_classes = [permissions.IsAdminUser]

    @extend_schema(
        tags=["integration"],
        summary="The hospital side's state (staff)",
        description=(
            "The DICOM listeners' heartbeats, instances received by outcome, results for "
            "the PACS by state, the queue, the latest failures. No identifier."
        ),
        responses={200: IntegrationStatusSerializer, **errors()},
    )
    def get(self, request: Request) -> Response:
        return Response(IntegrationStatusSerializer(integration_status()).data)


@require_GET
def integration_page(request: HttpRequest) -> HttpResponse:
    """The staff page of the same (the login middleware has asked for a login)."""
    if not request.user.is_staff:
        raise PermissionDenied("Only staff see the hospital integration's state.")
    return render(request, "pacs/integration.html", {"status": integration_status()})


class StowView(APIView):
    parser_classes = [DicomMultipartParser]
    renderer_classes = [DicomJsonRenderer, JSONRenderer]
    permission_classes = [permissions.IsAuthenticated, MaySendFromPacs]
    throttle_scope = "uploads"

    @extend_schema(
        tags=["dicomweb"],
        summary="Store DICOM instances (STOW-RS)",
        description=(
            'A `multipart/related; type="application/dicom"` body of chest X-ray instances, '
            "each analysed like an upload and owned by PNEUMO_DICOM_OWNER. The answer is a "
            "DICOM JSON dataset: ReferencedSOPSequence (stored or acknowledged), "
            "FailedSOPSequence with a FailureReason. 200: all stored; 202: some; 409: none."
        ),
        request={"multipart/related": {"type": "string", "format": "binary"}},
        responses={
            (200, DICOM_JSON): OpenApiResponse(OpenApiTypes.OBJECT, "All stored."),
            (202, DICOM_JSON): OpenApiResponse(OpenApiTypes.OBJECT, "Some failed."),
            (409, DICOM_JSON): OpenApiResponse(OpenApiTypes.OBJECT, "None stored."),
            **{code: ErrorSerializer for code in (400, 401, 403, 413, 415, 429, 503)},
        },
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, list):  # no body was read: the parser never ran
            raise exceptions.ParseError(
                "The body is empty. Send it with a Content-Length (chunked transfer "
                'encoding is not read: in Orthanc, "ChunkedTransfers": false).'
            )
        outcomes = stow_receive(request.data, sender=request.user.get_username()[:16])
        status, body = stow.response(outcomes)
        return Response(body, status=status, content_type=DICOM_JSON)
