"""The API's OpenAPI prose: tags, parameters, request and response shapes, descriptions.

Each name decorates one operation in :mod:`diagnosis.api.views`, which stays code only.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import serializers as fields

from diagnosis.api import serializers
from diagnosis.filters import (
    AUDIT_ACTION_CHOICES,
    RESULT_CHOICES,
    REVIEW_CHOICES,
    SORT_CHOICES,
)
from diagnosis.models import ID_DIGITS


def errors(*codes: int) -> dict:
    """The error statuses an operation answers, each in the one error shape (Error), with
    those every signed-in operation can give: 401 (no or bad credentials), 403 (not allowed,
    or a session without its CSRF token) and 429 (a rate limit; Retry-After says when)."""
    return {code: serializers.ErrorSerializer for code in sorted({*codes, 401, 403, 429})}


# An operation on one scan: 400 for an id past the largest a row can have, 404 for a scan
# that does not exist or that the caller cannot see.
ONE_SCAN = (400, 404)
# What an upload can meet besides its own errors: a body past the request limits or the
# caller's storage quota (413), no model installed (503).
UPLOAD = (400, 413, 503)
IMAGE_RESPONSES = {(200, "image/jpeg"): OpenApiTypes.BINARY, **errors(*ONE_SCAN)}
OVERLAY_RESPONSES = {(200, "image/png"): OpenApiTypes.BINARY, **errors(*ONE_SCAN, 503)}
REANALYSE = OpenApiParameter(
    "reanalyse",
    OpenApiTypes.BOOL,
    description="Run the model again on content you uploaded before (default: report the "
    "earlier scan as `duplicate_of`)",
)
# The history's filters, as the page's form sends them: an empty value is no filter.
EMPTY = {"type": "string", "enum": [""]}
ID_LIST = rf"^([0-9]{{1,{ID_DIGITS}}}(,[0-9]{{1,{ID_DIGITS}}})*)?$"
ID_OR_EMPTY = rf"^([0-9]{{1,{ID_DIGITS}}})?$"


def choice(name: str, choices, description: str) -> OpenApiParameter:
    values = [value for value, _ in choices if value]
    return OpenApiParameter(
        name, {"type": "string", "enum": ["", *values]}, description=description
    )


def day(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name, {"anyOf": [{"type": "string", "format": "date"}, EMPTY]}, description=description
    )


FILTER_PARAMETERS = [
    OpenApiParameter("q", description="Part of the file name"),
    choice("predicted_class", RESULT_CHOICES, "Result"),
    day("date_from", "Uploaded on or after (a date after `date_to`: 400)"),
    day("date_to", "Uploaded on or before"),
    choice("sort", SORT_CHOICES, "Order"),
    OpenApiParameter(
        "batch",
        {"type": "string", "pattern": ID_LIST},
        description="Comma-separated scan ids: one upload's results",
    ),
    choice(
        "review",
        REVIEW_CHOICES,
        "Reviewed, not reviewed, or reviewed with a finding other than the verdict",
    ),
]


def error_fields(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing: the Error schema also holds each field in error
    with its messages (what diagnosis.api.exceptions answers), which a serializer cannot
    say."""
    error = result.get("components", {}).get("schemas", {}).get("Error")
    if error is not None:
        # Messages (strings), or a batch's per-file problems (objects): always a list.
        error["additionalProperties"] = {"type": "array"}
    return result


SCANS = extend_schema(tags=["scans"])

SCAN_LIST = extend_schema(
    parameters=FILTER_PARAMETERS,
    # 400: a filter that does not parse (each named); 404: a page past the last.
    responses={200: serializers.ScanSerializer(many=True), **errors(400, 404)},
)

# The operations the viewset inherits (read one, delete one).
SCAN_INHERITED = extend_schema_view(
    retrieve=extend_schema(responses={200: serializers.ScanSerializer, **errors(*ONE_SCAN)}),
    destroy=extend_schema(
        responses={204: None, **errors(*ONE_SCAN)},
        description="Delete the scan and its stored files (its owner, or staff): 204.",
    ),
)

SCAN_CREATE = extend_schema(
    parameters=[REANALYSE],
    request={"multipart/form-data": serializers.ScanUploadSerializer},
    responses={
        201: serializers.ScanSerializer,
        200: serializers.ScanSerializer,
        **errors(*UPLOAD),
    },
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
        **errors(*UPLOAD),
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
    responses={
        (200, "application/json"): serializers.ExportRowSerializer(many=True),
        (200, "text/csv"): OpenApiTypes.STR,
        **errors(400),
    },
    description="The whole filtered history, unpaginated: a JSON list of rows, or with "
    "`?as=csv` the same rows as CSV (text/csv, a header line first).",
)

SCAN_REVIEW_SET = extend_schema(
    methods=["POST"],
    request=serializers.ReviewInputSerializer,
    responses={200: serializers.ScanSerializer, **errors(*ONE_SCAN)},
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
    responses={200: serializers.ScanSerializer, **errors(*ONE_SCAN)},
    description="Clear the review: 200 with the scan, its `review` null.",
)

SCAN_NOTES = extend_schema(
    request=serializers.ScanNotesSerializer,
    responses={200: serializers.ScanSerializer, **errors(*ONE_SCAN)},
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
    responses=OVERLAY_RESPONSES,
    description="The saliency map in colour over the X-ray (RGB PNG at the stored image's "
    "size; red: what the verdict rests on). Computed on the first request of it or of "
    "`saliency/`, then kept. 404 for an image not recognised as a chest X-ray.",
)

SCAN_SALIENCY = extend_schema(
    responses=OVERLAY_RESPONSES,
    description="The raw saliency map behind the heatmap, for research: an 8-bit "
    "grayscale PNG at the stored image's size, 255 = most important (the largest "
    "drop of the verdict's logit when that region is blurred), 0 = no effect. "
    "Computed on the first request of it or of `heatmap/`, then kept; 404 for an "
    "image not recognised as a chest X-ray or a scan the caller cannot see.",
)

# It is how credentials are obtained: none needed.
AUDIT = extend_schema(tags=["audit"])
AUDIT_PARAMETERS = [
    OpenApiParameter("user", {"type": "string", "maxLength": 150}, description="A user name"),
    OpenApiParameter("scan", {"type": "string", "pattern": ID_OR_EMPTY}, description="A scan id"),
    choice("action", AUDIT_ACTION_CHOICES, "What was done"),
    day("date_from", "On or after this day (a date after `date_to`: 400)"),
    day("date_to", "On or before this day"),
]
AUDIT_LIST = extend_schema(
    parameters=AUDIT_PARAMETERS,
    responses={200: serializers.AuditEventSerializer(many=True), **errors(400, 404)},
    description="Who did what, when, from where, and how it ended: every view of a scan, "
    "its image, maps and report, every export, upload, review, note, delete, gate override, "
    "model activation, adaptation, sign-in, failed sign-in and sign-out. Staff only.",
)
AUDIT_EXPORT = extend_schema(
    parameters=[
        *AUDIT_PARAMETERS,
        OpenApiParameter("as", enum=["json", "csv"], description="json (default) or csv"),
    ],
    responses={
        (200, "application/json"): serializers.AuditEventSerializer(many=True),
        (200, "text/csv"): OpenApiTypes.STR,
        **errors(400),
    },
    description="The whole filtered trail, unpaginated: JSON, or with `?as=csv` CSV.",
)

TOKEN = extend_schema(
    tags=["auth"],
    auth=[],
    responses={
        200: inline_serializer("AuthToken", {"token": fields.CharField()}),
        # 400: a wrong user name or password; 429: too many tries, or a locked-out account;
        # 503: the hospital directory cannot be reached (directory sign-in only).
        **{code: serializers.ErrorSerializer for code in (400, 429, 503)},
    },
)

MODEL = extend_schema(tags=["model"])


COMPATIBILITY = extend_schema(tags=["compatibility"])

LEGACY_PREDICT = extend_schema(
    request={"multipart/form-data": serializers.LegacyPredictUploadSerializer},
    responses={200: serializers.LegacyPredictionSerializer, **errors(*UPLOAD)},
    parameters=[REANALYSE],
    description="Upload field `image_file`; the scan is recorded in the caller's history. "
    "Content uploaded before: its earlier result, with `duplicate_of` (its id).",
)

MODEL_CARD = extend_schema(responses={200: OpenApiTypes.OBJECT, **errors(503)})
MODEL_SITE = extend_schema(responses={200: OpenApiTypes.OBJECT, **errors()})
