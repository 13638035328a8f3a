"""A Scan: who uploaded which X-ray, when, and what the model said about it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse


class Scan(models.Model):
    class PredictedClass(models.TextChoices):
        NORMAL = "normal", "Normal"
        PNEUMONIA = "pneumonia", "Pneumonia"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scans"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Display only: sanitised and length-limited, never used in a storage path.
    original_filename = models.CharField(max_length=255)
    # Re-encoded grayscale PNGs under server-generated names; served only by views
    # that check ownership.
    image = models.FileField(max_length=200)
    thumbnail = models.FileField(max_length=200)
    image_width = models.PositiveIntegerField()
    image_height = models.PositiveIntegerField()

    predicted_class = models.CharField(max_length=16, choices=PredictedClass.choices)
    pneumonia_probability = models.FloatField()
    threshold = models.FloatField()
    model_version = models.CharField(max_length=64)
    inference_ms = models.FloatField(help_text="Model forward pass, milliseconds per image.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="scan_owner_created"),
            models.Index(
                fields=["owner", "predicted_class", "-created_at"], name="scan_owner_class"
            ),
        ]

    def __str__(self) -> str:
        return f"Scan {self.pk} ({self.predicted_class}, {self.pneumonia_probability:.2f})"

    def get_absolute_url(self) -> str:
        return reverse("diagnosis:scan-detail", args=[self.pk])

    @property
    def is_pneumonia(self) -> bool:
        return self.predicted_class == self.PredictedClass.PNEUMONIA

    @property
    def probability_percent(self) -> float:
        return round(self.pneumonia_probability * 100.0, 1)

    def stored_files(self) -> list[models.fields.files.FieldFile]:
        return [field for field in (self.image, self.thumbnail) if field]
