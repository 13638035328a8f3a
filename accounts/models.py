"""Who did what: the access audit trail (append-only) and each user's "signed out
everywhere" mark."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnly(Exception):
    """An audit row was about to be changed or deleted outside the retention prune."""


class AccessEventQuerySet(models.QuerySet):
    """No bulk update or delete: the trail only grows (the retention prune aside)."""

    def update(self, **kwargs) -> int:
        raise AppendOnly("The audit trail is append-only: rows are never updated.")

    def delete(self):
        raise AppendOnly("The audit trail is append-only: prune_audit removes expired rows.")

    def prune(self, before: datetime) -> int:
        """Delete the rows recorded before ``before`` (the retention period's end)."""
        deleted, _ = models.QuerySet.delete(self.filter(at__lt=before))  # Django's own
        return deleted


class AccessEvent(models.Model):
    """One access to patient data or one security event: who, when, what, from where and
    how it ended. ``scan_id`` is the scan's id, never a patient identifier, and no foreign
    key: a deleted scan or user keeps its trail."""

    class Action(models.TextChoices):
        LOGIN = "login", _("Signed in")
        LOGIN_FAILED = "login_failed", _("Failed sign-in")
        LOGOUT = "logout", _("Signed out")
        TOKEN = "token", _("API token issued")
        SIGN_OUT_EVERYWHERE = "sign_out_everywhere", _("Signed out everywhere")
        UPLOAD = "upload", _("Uploaded a scan")
        VIEW_SCAN = "view_scan", _("Viewed a scan's page")
        VIEW_IMAGE = "view_image", _("Viewed a scan's image")
        VIEW_HEATMAP = "view_heatmap", _("Viewed a heatmap")
        VIEW_SALIENCY = "view_saliency", _("Viewed a saliency map")
        VIEW_REPORT = "view_report", _("Viewed a report")
        VIEW_HISTORY = "view_history", _("Viewed the history")
        EXPORT = "export", _("Exported")
        REVIEW = "review", _("Reviewed")
        NOTES = "notes", _("Changed notes")
        DELETE = "delete", _("Deleted a scan")
        GATE_OVERRIDE = "gate_override", _("Gave the verdict despite the gate")
        MODEL_ACTIVATE = "model_activate", _("Activated a model version")
        ADAPT = "adapt", _("Adapted the model to the site")
        VIEW_AUDIT = "view_audit", _("Viewed the audit trail")
        AUDIT_PRUNE = "audit_prune", _("Pruned the audit trail")

    class Outcome(models.TextChoices):
        OK = "ok", _("Done")
        DENIED = "denied", _("Denied")
        FAILED = "failed", _("Failed")

    class Via(models.TextChoices):
        PAGE = "page", _("Web page")
        API = "api", _("REST API")
        DICOM = "dicom", _("DICOM")
        COMMAND = "command", _("Command line")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    username = models.CharField(max_length=150, blank=True, db_index=True)
    user_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices, db_index=True)
    scan_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True)
    via = models.CharField(max_length=8, choices=Via.choices)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.OK)
    detail = models.CharField(max_length=200, blank=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        scan = f" scan {self.scan_id}" if self.scan_id is not None else ""
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action}{scan}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnly("The audit trail is append-only: rows are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("The audit trail is append-only: prune_audit removes expired rows.")


class SignOutMark(models.Model):
    """When staff last signed a user out everywhere: sessions begun before it end."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_out_mark"
    )
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user} signed out everywhere at {self.at:%Y-%m-%d %H:%M}"
