from django.core.validators import RegexValidator
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import AccessEvent
from diagnosis.active_model import score_is_probability
from diagnosis.deliveries import scan_deliveries
from diagnosis.models import BORDERLINE, CLEAR, Scan, rounded_probability
from diagnosis.services import MAX_NOTES

BAND_CHOICES = [(CLEAR, "clear"), (BORDERLINE, "borderline")]


class TextField(serializers.CharField):
    """Text, and only text: DRF's CharField would store 0 or true as "0" or "True", which
    the schema (a string) says is not accepted; and none with a NUL character, which the
    schema says too (a pattern) and no database column holds."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.validators.append(RegexValidator(r"^[^\x00]*$", "Null characters are not allowed."))

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ProbabilityField(serializers.FloatField):
    """A probability (0..1), rounded to 4 decimals."""

    def to_representation(self, value: float) -> float:
        return rounded_probability(value)


class VerdictSerializer(serializers.Serializer):
    """The verdict and its scale: the same fields in scans, exports and the legacy endpoint."""

    predicted_class = serializers.SerializerMethodField()
    pneumonia_probability = ProbabilityField(
        allow_null=True, help_text="0..1, 4 decimals: a score, and a probability only where "
        "`score_is_probability` is true (the model version that judged the scan was "
        "calibrated on this site's reviews)",
    )  # fmt: skip
    threshold = ProbabilityField(help_text="The cut-off on the same 0..1 scale, 4 decimals.")
    score = serializers.FloatField(
        allow_null=True, help_text="pneumonia_probability on a 0-100 scale (2 decimals)"
    )
    cutoff = serializers.FloatField(
        help_text="threshold on the same 0-100 scale: pneumonia at or above it"
    )
    band = serializers.ChoiceField(
        choices=BAND_CHOICES,
        allow_null=True,
        help_text="borderline: the score lies in the model's band around the cut-off, chosen "
        "on validation (see the model card); null without a verdict or a band",
    )
    band_low = serializers.FloatField(
        source="band_low_score", allow_null=True, help_text="the band's lower end, 0-100"
    )
    band_high = serializers.FloatField(
        source="band_high_score", allow_null=True, help_text="the band's upper end, 0-100"
    )

    @extend_schema_field(
        serializers.ChoiceField(choices=Scan.PredictedClass.choices, allow_null=True)
    )
    def get_predicted_class(self, scan: Scan) -> str | None:
        """None when the image was not recognised as a chest X-ray."""
        return scan.predicted_class or None


class ReviewSerializer(serializers.Serializer):
    finding = serializers.ChoiceField(choices=Scan.PredictedClass.choices, source="review_finding")
    comment = serializers.CharField(source="review_comment")
    reviewed_by = serializers.CharField(
        source="reviewed_by.get_username", allow_null=True, help_text="null: user deleted"
    )
    reviewed_at = serializers.DateTimeField()


@extend_schema_field(serializers.ChoiceField(choices=Scan.PredictedClass.choices))
class FindingField(serializers.CharField):
    """A finding; which values are allowed is checked by the service (400 naming them)."""


class ReviewInputSerializer(serializers.Serializer):
    finding = FindingField(help_text="The confirmed finding.")
    comment = TextField(required=False, allow_blank=True, default="")


VERDICT_FIELDS = list(VerdictSerializer._declared_fields)


class DeliverySerializer(serializers.Serializer):
    """One set of result objects for the PACS: the model's, or a clinician's review."""

    kind = serializers.ChoiceField(choices=["result", "capture", "review"], read_only=True)
    state = serializers.ChoiceField(choices=["queued", "sent", "failed"], read_only=True)
    attempts = serializers.IntegerField(read_only=True)
    last_error = serializers.CharField(read_only=True, help_text="Why the last try failed.")
    updated_at = serializers.DateTimeField(read_only=True)
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ScanSerializer(VerdictSerializer, serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:scan-detail")
    score_is_probability = serializers.SerializerMethodField()
    saliency_url = serializers.SerializerMethodField()
    owner = serializers.CharField(source="owner.get_username", read_only=True)
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    heatmap_url = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField()
    # A reviewer gave the model's verdict although the gate did not recognise the image.
    gate_overridden = serializers.BooleanField(source="is_gate_overridden", read_only=True)
    deliveries = serializers.SerializerMethodField()

    class Meta:
        model = Scan
        fields = [
            "id",
            "url",
            "status",
            *VERDICT_FIELDS,
            "score_is_probability",
            "model_version",
            "created_at",
            "original_filename",
            "owner",
            "image_url",
            "thumbnail_url",
            "heatmap_url",
            "saliency_url",
            "image_width",
            "image_height",
            "source_format",
            "dicom_tags",
            "notes",
            "inference_ms",
            "ood_score",
            "gate_overridden",
            "review",
            "source",
            "source_ae",
            "deliveries",
        ]
        read_only_fields = fields

    def _file_url(self, scan: Scan, kind: str) -> str:
        path = reverse(f"api:scan-{kind}", args=[scan.pk])
        return self.context["request"].build_absolute_uri(path)

    @extend_schema_field(DeliverySerializer(many=True))
    def get_deliveries(self, scan: Scan) -> list[dict]:
        """Its results sent to the PACS (a scan the PACS sent; empty for an upload)."""
        return DeliverySerializer(scan_deliveries(scan), many=True).data

    @extend_schema_field(serializers.URLField())
    def get_image_url(self, scan: Scan) -> str:
        return self._file_url(scan, "image")

    @extend_schema_field(serializers.URLField())
    def get_thumbnail_url(self, scan: Scan) -> str:
        return self._file_url(scan, "thumbnail")

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_heatmap_url(self, scan: Scan) -> str | None:
        """Computed on first request; None when the image was not recognised."""
        return self._file_url(scan, "heatmap") if scan.is_recognised else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_saliency_url(self, scan: Scan) -> str | None:
        """The raw map as 8-bit grayscale PNG; None when the image was not recognised."""
        return self._file_url(scan, "saliency") if scan.is_recognised else None

    def get_score_is_probability(self, scan: Scan) -> bool:
        """True only when the model version that judged the scan was calibrated on this
        site's reviews (whichever version is active now)."""
        return score_is_probability(scan.model_version)

    @extend_schema_field(ReviewSerializer(allow_null=True))
    def get_review(self, scan: Scan) -> dict | None:
        """The clinician's confirmed finding; None until the scan is reviewed."""
        return ReviewSerializer(scan).data if scan.is_reviewed else None


class ScanNotesSerializer(serializers.Serializer):
    notes = TextField(
        allow_blank=True, max_length=MAX_NOTES, help_text="Free text; replaces the notes."
    )


class ScanUploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="A chest X-ray: JPEG, PNG or DICOM.")


class BatchUploadSerializer(serializers.Serializer):
    images = serializers.ListField(
        # An empty file is the service's to reject, by name, in `rejected`.
        child=serializers.FileField(allow_empty_file=True),
        allow_empty=False,
        help_text="Several chest X-rays (repeat the `images` field), analysed in one batch.",
    )


class RejectedFileSerializer(serializers.Serializer):
    filename = serializers.CharField()
    detail = serializers.CharField()


class DuplicateFileSerializer(serializers.Serializer):
    filename = serializers.CharField()
    duplicate_of = serializers.IntegerField(
        source="scan.pk", help_text="Your earlier scan of the same content."
    )


class BatchResultSerializer(serializers.Serializer):
    scans = ScanSerializer(many=True)
    rejected = RejectedFileSerializer(many=True)
    duplicates = DuplicateFileSerializer(many=True)


class ExportRowSerializer(VerdictSerializer):
    """Documents the export's rows (diagnosis.exports writes them)."""

    id = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    owner = serializers.CharField(help_text="Who uploaded it (a user name).")
    original_filename = serializers.CharField()
    status = serializers.ChoiceField(choices=Scan.Status.choices)
    model_version = serializers.CharField()
    review_finding = serializers.ChoiceField(choices=Scan.PredictedClass.choices, allow_null=True)
    review_comment = serializers.CharField()
    reviewed_by = serializers.CharField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    notes = serializers.CharField(allow_blank=True)


class LegacyPredictUploadSerializer(serializers.Serializer):
    image_file = serializers.FileField(help_text="A chest X-ray: JPEG, PNG or DICOM.")


class LegacyPredictionSerializer(VerdictSerializer):
    """The original service's answer, plus the cut-off and band on the same scale."""

    id = serializers.IntegerField(help_text="The scan recorded in the caller's history.")


class ErrorSerializer(serializers.Serializer):
    """Every error the API answers: ``detail``, and for an error about the request's
    fields, each of those fields with its messages (docs/api.md#errors)."""

    detail = serializers.CharField(help_text="What went wrong, in words for a person.")


class AuditEventSerializer(serializers.ModelSerializer):
    """One row of the access audit trail (the same fields as its CSV export)."""

    user = serializers.CharField(source="username", help_text="The user name ('' if none).")
    scan = serializers.IntegerField(
        source="scan_id", allow_null=True, help_text="The scan's id, never a patient identifier."
    )

    class Meta:
        model = AccessEvent
        fields = ["id", "at", "user", "action", "scan", "address", "via", "outcome", "detail"]
        read_only_fields = fields
