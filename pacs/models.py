"""What the hospital side keeps: each instance received (by a keyed hash of its UID, never
the UID), and each result waiting for, or done with, its delivery to the PACS."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from diagnosis.models import Scan


class ReceivedInstance(models.Model):
    """One SOP instance the PACS sent, however often it came."""

    class Outcome(models.TextChoices):
        ANALYSED = "analysed", "Analysed"
        NOT_RECOGNISED = "not_recognised", "Not recognised as a chest X-ray"
        NOT_ANALYSED = "not_analysed", "Routed but not analysed"
        SKIPPED = "skipped", "Not routed (not a frontal radiograph, or our own result)"
        REFUSED = "refused", "Refused (malformed)"

    # HMAC-SHA-256 of the SOP Instance UID under the integration key: recognises a second
    # arrival without keeping the UID (DICOM PS3.15 counts UIDs as identifying).
    sop_key = models.CharField(max_length=64, unique=True)
    scan = models.ForeignKey(Scan, on_delete=models.SET_NULL, null=True, blank=True)
    source = models.CharField(max_length=16, choices=Scan.Source.choices)
    calling_ae = models.CharField(max_length=16)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.CharField(max_length=300, blank=True)  # our words, no header value
    times_received = models.PositiveIntegerField(default=1)
    # The source's study, series and instance UIDs, sealed (Fernet, PNEUMO_INTEGRATION_KEY):
    # a delivery (the result, a later review) fetches the header again from the PACS with
    # them. Cleared PNEUMO_INTEGRATION_RETENTION_DAYS after the last delivery ended.
    reference = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    last_received_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-last_received_at", "-id"]

    def __str__(self) -> str:
        return f"Instance {self.sop_key[:12]} from {self.calling_ae}: {self.outcome}"


class Delivery(models.Model):
    """A result object for the PACS: queued, sent, or failed (and why)."""

    class Kind(models.TextChoices):
        RESULT = "result", _("The model's finding (SR)")
        CAPTURE = "capture", _("The heatmap picture (Secondary Capture)")
        REVIEW = "review", _("A clinician's confirmed finding (verified SR)")

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    received = models.ForeignKey(
        ReceivedInstance, on_delete=models.CASCADE, related_name="deliveries"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.RESULT)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    # Not tried again before this (the backoff): a second task for it meanwhile does nothing.
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # The worker sending it holds it until then (a lease, not a lock held across the network:
    # the listener keeps writing meanwhile); a worker killed mid-send lets it go this way.
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"Delivery {self.pk} ({self.kind}): {self.state}"


class ListenerState(models.Model):
    """A running listener's heartbeat: when it started and was last seen alive."""

    address = models.CharField(max_length=64, unique=True)  # "AE@bind:port"
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Listener {self.address}"
