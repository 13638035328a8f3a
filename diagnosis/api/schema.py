"""The API's OpenAPI prose: tags, parameters, request and response shapes, descriptions.

Each name decorates one operation in :mod:`diagnosis.api.views`, which stays code only.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema

from diagnosis.api import serializers
from diagnosis.filters import RESULT_CHOICES, REVIEW_CHOICES, SORT_CHOICES

ERRORS = {code: serializers.ErrorSerializer for code in (400, 401, 403, 503)}
IMAGE_RESPONSES = {(200, "image/jpeg"): OpenApiTypes.BINARY, 404: serializers.ErrorSerializer}
OVERLAY_RESPONSES = {(200, "image/png"): OpenApiTypes.BINARY, 404: serializers.ErrorSerializer}
REANALYSE = OpenApiParameter(
    "reanalyse",
    OpenApiTypes.BOOL,
    description="Run the model again on content you uploaded before (default: report the "
    "earlier scan as `duplicate_of`)",
)
FILTER_PARAMETERS = [
    OpenApiParameter("q", description="Part of the file name"),
    OpenApiParameter(
        "predicted_class",
        enum=[value for value, _ in RESULT_CHOICES if value],
        description="Result",
    ),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="Uploaded on or after"),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Uploaded on or before"),
    OpenApiParameter("sort", enum=[value for value, _ in SORT_CHOICES], description="Order"),
    OpenApiParameter("batch", description="Comma-separated scan ids: one upload's results"),
    OpenApiParameter(
        "review",
        enum=[value for value, _ in REVIEW_CHOICES if value],
        description="Reviewed, not reviewed, or reviewed with a finding other than the verdict",
    ),
]


SCANS = extend_schema(tags=["scans"])

SCAN_LIST = extend_schema(parameters=FILTER_PARAMETERS)

SCAN_CREATE = extend_schema(
    parameters=[REANALYSE],
    request={"multipart/form-data": serializers.ScanUploadSerializer},
    responses={201: serializers.ScanSerializer, 200: serializers.ScanSerializer, **ERRORS},
    description=(
        "Upload a chest X-ray (field `image`). 201 with the scan; an image not "
        "recognised as a chest X-ray is stored with status `not_recognised` and "
        "`predicted_class` null. Content you uploaded before: 200 with that earlier "
        "scan and `duplicate_of` (its id), the model not run again (`?reanalyse=1` "
        "runs it and stores a new scan)."
    ),
)

SCAN_BATCH = extend_schema(
    parameters=[REANALYSE],
    request={"multipart/form-data": serializers.BatchUploadSerializer},
    responses={
        201: serializers.BatchResultSerializer,
        200: serializers.BatchResultSerializer,
        **ERRORS,
    },
    description=(
        "Several X-rays in one request (repeat the field `images`), predicted in one "
        "batch. Each file succeeds or fails on its own: 201 when at least one was "
        "stored, 200 when every good file had been uploaded before, 400 when none "
        "was good; `rejected` says why for each bad file, `duplicates` names the "
        "earlier scan (`duplicate_of`) of each file uploaded before (not analysed "
        "again unless `?reanalyse=1`)."
    ),
)

SCAN_EXPORT = extend_schema(
    parameters=[
        *FILTER_PARAMETERS,
        OpenApiParameter("as", enum=["json", "csv"], description="json (default) or csv"),
    ],
    responses={200: serializers.ExportRowSerializer(many=True)},
    description="The whole filtered history, unpaginated, as JSON or CSV.",
)

SCAN_REVIEW_SET = extend_schema(
    methods=["POST"],
    request=serializers.ReviewInputSerializer,
    responses={200: serializers.ScanSerializer, **ERRORS, 404: serializers.ErrorSerializer},
    description=(
        "Record the confirmed finding (`pneumonia` or `normal`) and an optional comment; "
        "200 with the scan, its `review` filled in. Reviewers only (staff or the "
        "Reviewers group): others get 403; a finding not allowed gets 400 naming the "
        "allowed values."
    ),
)

SCAN_REVIEW_CLEAR = extend_schema(
    methods=["DELETE"],
    request=None,
    responses={200: serializers.ScanSerializer, **ERRORS, 404: serializers.ErrorSerializer},
    description="Clear the review: 200 with the scan, its `review` null.",
)

SCAN_NOTES = extend_schema(
    request=serializers.ScanNotesSerializer,
    responses={200: serializers.ScanSerializer, **ERRORS, 404: serializers.ErrorSerializer},
    description="Edit the scan's `notes` (JSON or form); 200 with the scan.",
)

SCAN_IMAGE = extend_schema(
    responses=IMAGE_RESPONSES,
    description="The stored X-ray: a grayscale JPEG re-encoded at display size "
    "(longest side up to PNEUMO_DISPLAY_SIZE).",
)

SCAN_THUMBNAIL = extend_schema(
    responses=IMAGE_RESPONSES, description="A small JPEG thumbnail of the stored X-ray."
)

SCAN_HEATMAP = extend_schema(
    responses={**OVERLAY_RESPONSES, 503: serializers.ErrorSerializer},
    description="The saliency map in colour over the X-ray (RGB PNG at the stored image's "
    "size; red: what the verdict rests on). Computed on the first request of it or of "
    "`saliency/`, then kept. 404 for an image not recognised as a chest X-ray.",
)

SCAN_SALIENCY = extend_schema(
    responses={**OVERLAY_RESPONSES, 503: serializers.ErrorSerializer},
    description="The raw saliency map behind the heatmap, for research: an 8-bit "
    "grayscale PNG at the stored image's size, 255 = most important (the largest "
    "drop of the verdict's logit when that region is blurred), 0 = no effect. "
    "Computed on the first request of it or of `heatmap/`, then kept; 404 for an "
    "image not recognised as a chest X-ray or a scan the caller cannot see.",
)

# It is how credentials are obtained: none needed.
TOKEN = extend_schema(tags=["auth"], auth=[])

MODEL = extend_schema(tags=["model"])


COMPATIBILITY = extend_schema(tags=["compatibility"])

LEGACY_PREDICT = extend_schema(
    request={"multipart/form-data": serializers.LegacyPredictUploadSerializer},
    responses={200: serializers.LegacyPredictionSerializer, **ERRORS},
    parameters=[REANALYSE],
    description="Upload field `image_file`; the scan is recorded in the caller's history. "
    "Content uploaded before: its earlier result, with `duplicate_of` (its id).",
)

MODEL_CARD = extend_schema(responses={200: OpenApiTypes.OBJECT, 503: serializers.ErrorSerializer})
MODEL_SITE = extend_schema(responses={200: OpenApiTypes.OBJECT})
