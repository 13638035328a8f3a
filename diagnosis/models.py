"""A Scan: who uploaded which X-ray, when, and what the model said about it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

BORDERLINE, CLEAR = "borderline", "clear"


PROBABILITY_DECIMALS = 4


def rounded_probability(probability: float) -> float:
    return round(float(probability), PROBABILITY_DECIMALS)


def to_score(probability: float) -> float:
    """A probability (0..1) on the 0-100 scale of scores and cut-offs, 2 decimals."""
    return round(probability * 100.0, 2)


def score_band(probability: float | None, low: float | None, high: float | None) -> str | None:
    if probability is None or low is None or high is None:
        return None
    return BORDERLINE if low <= probability <= high else CLEAR


def verdict_scale(
    probability: float | None, threshold: float, low: float | None, high: float | None
) -> dict:
    """A verdict's scale as exports write it (the API's VerdictSerializer has the same
    fields): probabilities to 4 decimals, score and cut-off 0-100, the band."""

    def score(value: float | None) -> float | None:
        return None if value is None else to_score(value)

    return {
        "pneumonia_probability": None if probability is None else rounded_probability(probability),
        "threshold": rounded_probability(threshold),
        "score": score(probability),
        "cutoff": to_score(threshold),
        "band": score_band(probability, low, high),
        "band_low": score(low),
        "band_high": score(high),
    }


# An id in a URL or a filter has at most this many digits: every such number fits the
# 64-bit integers of a BigAutoField (SQLite's and PostgreSQL's), so a larger one is refused
# before it reaches the database.
ID_DIGITS = 18


class Scan(models.Model):
    class PredictedClass(models.TextChoices):
        NORMAL = "normal", _("Normal")
        PNEUMONIA = "pneumonia", _("Pneumonia")

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded")
        DICOM = "dicom", _("Received over DICOM (C-STORE)")
        DICOMWEB = "dicomweb", _("Received over DICOMweb (STOW-RS)")

    class Status(models.TextChoices):
        PREDICTED = "predicted", _("Predicted")
        NOT_RECOGNISED = "not_recognised", _("Not recognised as a frontal chest X-ray")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scans"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Display only: sanitised and length-limited, never used in a storage path.
    original_filename = models.CharField(max_length=255)
    # Re-encoded grayscale JPEGs under server-generated names; served only by views
    # that check ownership.
    image = models.FileField(max_length=200)
    thumbnail = models.FileField(max_length=200)
    # The saliency map (mlcore.model.saliency) as a coloured overlay and as raw 8-bit grayscale,
    # both computed on first view of either and then kept (blank until then), with its
    # strength: the largest logit drop (logit units) and the share of the image at or above
    # half of it (see mlcore.model.saliency.SaliencyMap).
    heatmap = models.FileField(max_length=200, blank=True)
    saliency = models.FileField(max_length=200, blank=True)
    saliency_peak = models.FloatField(null=True, blank=True)
    saliency_area = models.FloatField(null=True, blank=True)
    image_width = models.PositiveIntegerField()
    image_height = models.PositiveIntegerField()
    source_format = models.CharField(max_length=16, default="image")
    # Non-identifying technical DICOM tags only (see mlcore.decode.dicom_tags.KEPT_TAGS).
    dicom_tags = models.JSONField(default=dict, blank=True)
    notes = models.TextField(blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PREDICTED)
    # Blank/None when the image was not recognised as a chest X-ray.
    predicted_class = models.CharField(max_length=16, choices=PredictedClass.choices, blank=True)
    pneumonia_probability = models.FloatField(null=True, blank=True)
    threshold = models.FloatField()
    # The model's borderline band (mlcore.artifact.card.Band), on the probability scale; null
    # when its card had none.
    band_low = models.FloatField(null=True, blank=True)
    band_high = models.FloatField(null=True, blank=True)
    model_version = models.CharField(max_length=64)
    inference_ms = models.FloatField(help_text="Model forward pass, milliseconds per image.")
    ood_score = models.FloatField(
        null=True, blank=True, help_text="Distance from the training images' features."
    )
    # SHA-256 of the uploaded bytes: finds re-uploads (import_reviews is idempotent by it).
    content_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # What its stored files take (copies, thumbnail, maps): its owner's quota counts these.
    stored_bytes = models.PositiveBigIntegerField(default=0)
    # Keyed hash (HMAC-SHA-256 with PNEUMO_PATIENT_KEY_SECRET) of a DICOM's PatientID, so
    # that a patient's scans can be grouped and reviews split by patient; never the
    # identifier itself, and blank when the secret is unset or the upload is no DICOM.
    patient_key = models.CharField(max_length=64, blank=True, db_index=True)

    # The clinician's confirmed finding (blank: not reviewed); the history is in ScanReview.
    review_finding = models.CharField(max_length=16, choices=PredictedClass.choices, blank=True)
    review_comment = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviewed_scans",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # A reviewer asked for the model's verdict on an image the gate did not recognise
    # (services.scan_override_gate): the verdict is then marked as given despite the gate.
    gate_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="gate_overrides",
    )
    gate_overridden_at = models.DateTimeField(null=True, blank=True)
    # How the image came: uploaded (page, API), or sent by a PACS or modality (pacs/),
    # with the calling AE title (a device's name, not a patient's).
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.UPLOAD)
    source_ae = models.CharField(max_length=16, blank=True)

    class Meta:
        permissions = [("review_scan", "Can record the confirmed finding of a scan")]
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="scan_owner_created"),
            models.Index(
                fields=["owner", "predicted_class", "-created_at"], name="scan_owner_class"
            ),
            models.Index(fields=["owner", "-pneumonia_probability"], name="scan_owner_probability"),
        ]

    def __str__(self) -> str:
        return f"Scan {self.pk} ({self.result_label})"

    def get_absolute_url(self) -> str:
        return reverse("diagnosis:scan-detail", args=[self.pk])

    @property
    def is_pneumonia(self) -> bool:
        return self.predicted_class == self.PredictedClass.PNEUMONIA

    @property
    def is_recognised(self) -> bool:
        return self.status == self.Status.PREDICTED

    @property
    def result_label(self) -> str:
        return self.get_predicted_class_display() if self.is_recognised else _("Not recognised")

    @property
    def score(self) -> float | None:
        """The pneumonia probability on a 0-100 scale, as pages, exports and the API show
        it beside the cut-off on the same scale."""
        return None if self.pneumonia_probability is None else to_score(self.pneumonia_probability)

    @property
    def cutoff(self) -> float:
        return to_score(self.threshold)

    @property
    def band(self) -> str | None:
        """ "borderline" inside the model's band around the cut-off, else "clear"; None
        without a verdict or a band."""
        return score_band(self.pneumonia_probability, self.band_low, self.band_high)

    @property
    def band_low_score(self) -> float | None:
        return None if self.band_low is None else to_score(self.band_low)

    @property
    def band_high_score(self) -> float | None:
        return None if self.band_high is None else to_score(self.band_high)

    @property
    def is_borderline(self) -> bool:
        return self.band == BORDERLINE

    @property
    def is_gate_overridden(self) -> bool:
        return self.gate_overridden_at is not None

    @property
    def is_reviewed(self) -> bool:
        return bool(self.review_finding)

    def stored_files(self) -> list[models.fields.files.FieldFile]:
        files = (self.image, self.thumbnail, self.heatmap, self.saliency)
        return [field for field in files if field]


class ScanReview(models.Model):
    """One change of a scan's review: set (a finding) or cleared (blank finding)."""

    scan = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="review_history")
    finding = models.CharField(max_length=16, choices=Scan.PredictedClass.choices, blank=True)
    comment = models.TextField(blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"Review of scan {self.scan_id}: {self.finding or 'cleared'}"


class ActiveModel(models.Model):
    """Which model version judges new uploads, on every machine: one row in the database
    they all share (a file under each machine's var/ would let two machines judge with
    different models). No row: the shipped model."""

    ONLY = 1  # the primary key of the one row

    name = models.CharField(max_length=101)  # "shipped" or a site version's folder name
    changed_at = models.DateTimeField(auto_now=True)
    changed_by = models.CharField(max_length=150, blank=True)  # the command (or user)

    def __str__(self) -> str:
        return f"Active model {self.name}"


class Ward(models.Model):
    """A group of users (a ward, a clinic) whose scans its reviewers see and review, as
    staff would but without staff's other rights (the admin, every scan)."""

    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="wards", blank=True, help_text="whose scans"
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="reviewed_wards",
        blank=True,
        help_text="who sees and reviews the members' scans",
    )

    def __str__(self) -> str:
        return self.name
