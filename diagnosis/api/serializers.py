from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from diagnosis.models import Scan


class ScanSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:scan-detail")
    owner = serializers.CharField(source="owner.get_username", read_only=True)
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()

    class Meta:
        model = Scan
        fields = [
            "id",
            "url",
            "predicted_class",
            "pneumonia_probability",
            "threshold",
            "model_version",
            "created_at",
            "original_filename",
            "owner",
            "image_url",
            "thumbnail_url",
            "image_width",
            "image_height",
            "inference_ms",
        ]
        read_only_fields = fields

    def _file_url(self, scan: Scan, kind: str) -> str:
        path = reverse(f"api:scan-{kind}", args=[scan.pk])
        return self.context["request"].build_absolute_uri(path)

    @extend_schema_field(serializers.URLField())
    def get_image_url(self, scan: Scan) -> str:
        return self._file_url(scan, "image")

    @extend_schema_field(serializers.URLField())
    def get_thumbnail_url(self, scan: Scan) -> str:
        return self._file_url(scan, "thumbnail")


class ScanUploadSerializer(serializers.Serializer):
    image = serializers.FileField(help_text="A chest X-ray, JPEG or PNG.")


class ScanFilterSerializer(serializers.Serializer):
    predicted_class = serializers.ChoiceField(
        choices=Scan.PredictedClass.choices, required=False, allow_blank=True
    )


class LegacyPredictUploadSerializer(serializers.Serializer):
    image_file = serializers.FileField(help_text="A chest X-ray, JPEG or PNG.")


class LegacyPredictionSerializer(serializers.Serializer):
    predicted_class = serializers.ChoiceField(choices=Scan.PredictedClass.choices)
    pneumonia_probability = serializers.FloatField(min_value=0.0, max_value=1.0)
    id = serializers.IntegerField(help_text="The scan recorded in the caller's history.")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, in words for a person.")
