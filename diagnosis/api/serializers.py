from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from diagnosis.models import Scan


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
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ScanSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:scan-detail")
    owner = serializers.CharField(source="owner.get_username", read_only=True)
    predicted_class = serializers.SerializerMethodField()
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    heatmap_url = serializers.SerializerMethodField()
    review = serializers.SerializerMethodField()

    class Meta:
        model = Scan
        fields = [
            "id",
            "url",
            "status",
            "predicted_class",
            "pneumonia_probability",
            "threshold",
            "model_version",
            "created_at",
            "original_filename",
            "owner",
            "image_url",
            "thumbnail_url",
            "heatmap_url",
            "image_width",
            "image_height",
            "source_format",
            "dicom_tags",
            "notes",
            "inference_ms",
            "ood_score",
            "review",
        ]
        read_only_fields = fields

    def _file_url(self, scan: Scan, kind: str) -> str:
        path = reverse(f"api:scan-{kind}", args=[scan.pk])
        return self.context["request"].build_absolute_uri(path)

    @extend_schema_field(
        serializers.ChoiceField(choices=Scan.PredictedClass.choices, allow_null=True)
    )
    def get_predicted_class(self, scan: Scan) -> str | None:
        """None when the image was not recognised as a chest X-ray."""
        return scan.predicted_class or None

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

    @extend_schema_field(ReviewSerializer(allow_null=True))
    def get_review(self, scan: Scan) -> dict | None:
        """The clinician's confirmed finding; None until the scan is reviewed."""
        return ReviewSerializer(scan).data if scan.is_reviewed else None


class ScanUploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="A chest X-ray: JPEG, PNG or DICOM.")


class BatchUploadSerializer(serializers.Serializer):
    images = serializers.ListField(
        child=serializers.FileField(),
        allow_empty=False,
        help_text="Several chest X-rays (repeat the `images` field), analysed in one batch.",
    )


class RejectedFileSerializer(serializers.Serializer):
    filename = serializers.CharField()
    detail = serializers.CharField()


class BatchResultSerializer(serializers.Serializer):
    scans = ScanSerializer(many=True)
    rejected = RejectedFileSerializer(many=True)


class ExportRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()
    original_filename = serializers.CharField()
    status = serializers.ChoiceField(choices=Scan.Status.choices)
    predicted_class = serializers.ChoiceField(choices=Scan.PredictedClass.choices, allow_null=True)
    pneumonia_probability = serializers.FloatField(allow_null=True)
    threshold = serializers.FloatField()
    model_version = serializers.CharField()
    review_finding = serializers.ChoiceField(choices=Scan.PredictedClass.choices, allow_null=True)
    review_comment = serializers.CharField()
    reviewed_by = serializers.CharField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)


class LegacyPredictUploadSerializer(serializers.Serializer):
    image_file = serializers.FileField(help_text="A chest X-ray: JPEG, PNG or DICOM.")


class LegacyPredictionSerializer(serializers.Serializer):
    predicted_class = serializers.ChoiceField(choices=Scan.PredictedClass.choices, allow_null=True)
    pneumonia_probability = serializers.FloatField(min_value=0.0, max_value=1.0, allow_null=True)
    id = serializers.IntegerField(help_text="The scan recorded in the caller's history.")

    def to_representation(self, scan: Scan) -> dict:
        return {
            "predicted_class": scan.predicted_class or None,
            "pneumonia_probability": scan.pneumonia_probability,
            "id": scan.pk,
        }


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words for a person.")
