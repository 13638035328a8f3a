"""What reviewers write on a scan: its confirmed finding (with a history row), its notes,
and the model's verdict given although the gate did not recognise the image."""

from __future__ import annotations

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from diagnosis.errors import ReviewNotAllowed, ReviewRejected, ScanGone
from diagnosis.models import Scan, ScanReview
from diagnosis.selectors import scans_visible_to, user_can_review
from diagnosis.services._scoring import active_predictor, predict, stored_picture, verdict_fields
from diagnosis.signals import scan_reviewed

logger = logging.getLogger(__name__)

MAX_REVIEW_COMMENT = 2000
MAX_NOTES = 10_000


def _check_reviewer(reviewer: AbstractBaseUser, scan: Scan) -> None:
    """404 before 403: whoever cannot see the scan learns nothing about it."""
    if not scans_visible_to(reviewer).filter(pk=scan.pk).exists():
        raise ScanGone(_("No such scan."))
    if not user_can_review(reviewer):
        raise ReviewNotAllowed(
            _(
                "Only reviewers (staff, members of the Reviewers group, a ward's reviewers) "
                "may review a scan or edit the notes of a scan that is not theirs."
            )
        )


def _record_review(scan: Scan, reviewer: AbstractBaseUser, finding: str, comment: str) -> Scan:
    fields = {
        "review_finding": finding,
        "review_comment": comment,
        "reviewed_by": reviewer if finding else None,
        "reviewed_at": timezone.now() if finding else None,
    }
    with transaction.atomic():
        # update(), not save(): a concurrent first view may be storing this row's heatmap
        if not Scan.objects.filter(pk=scan.pk).update(**fields):
            raise ScanGone(_("The scan was deleted."))
        ScanReview.objects.create(scan=scan, finding=finding, comment=comment, reviewer=reviewer)
        audit.record(audit.Action.REVIEW, scan_id=scan.pk, detail=finding or "cleared")
        for name, value in fields.items():
            setattr(scan, name, value)
        scan_reviewed.send(sender=Scan, scan=scan, finding=finding)
    logger.info("Scan %s reviewed by user %s: %s", scan.pk, reviewer.pk, finding or "cleared")
    return scan


def scan_set_notes(*, scan: Scan, notes: str, editor: AbstractBaseUser) -> Scan:
    """Replace the scan's free-text notes (its only field a user edits directly): its owner,
    or a reviewer who sees the scan; each change is logged with who made it."""
    if editor.pk != scan.owner_id:
        _check_reviewer(editor, scan)
    if len(notes) > MAX_NOTES or "\x00" in notes:
        raise ReviewRejected(
            _("Notes are text of at most %(most)d characters.") % {"most": MAX_NOTES}
        )
    with transaction.atomic():
        # update(), not save(): a concurrent first view may be storing this row's heatmap
        if not Scan.objects.filter(pk=scan.pk).update(notes=notes):
            raise ScanGone(_("The scan was deleted."))
        audit.record(audit.Action.NOTES, scan_id=scan.pk)
    scan.notes = notes
    logger.info("Notes of scan %s changed by user %s", scan.pk, editor.pk)
    return scan


def scan_review(*, scan: Scan, reviewer: AbstractBaseUser, finding: str, comment: str = "") -> Scan:
    """Record the clinician's confirmed finding of ``scan`` (and a row of its history)."""
    _check_reviewer(reviewer, scan)
    if finding not in Scan.PredictedClass.values:
        allowed = " or ".join(f'"{value}"' for value in Scan.PredictedClass.values)
        raise ReviewRejected(
            _("The finding must be %(allowed)s, not %(given)s.")
            % {"allowed": allowed, "given": repr(str(finding)[:40])}
        )
    comment = (comment or "").strip()
    if len(comment) > MAX_REVIEW_COMMENT:
        raise ReviewRejected(
            _("The comment is %(length)d characters long; at most %(most)d.")
            % {"length": len(comment), "most": MAX_REVIEW_COMMENT}
        )
    return _record_review(scan, reviewer, finding, comment)


def scan_review_clear(*, scan: Scan, reviewer: AbstractBaseUser) -> Scan:
    """Remove the scan's review (the history keeps a "cleared" row)."""
    _check_reviewer(reviewer, scan)
    return _record_review(scan, reviewer, "", "")


def scan_override_gate(*, scan: Scan, reviewer: AbstractBaseUser) -> Scan:
    """Give ``scan`` the model's verdict although the gate did not recognise it as a chest
    X-ray: a reviewer's call, recorded with the verdict (who, when). The active model scores
    the stored image; its score, cut-off and version replace the upload's."""
    _check_reviewer(reviewer, scan)
    if scan.is_recognised:
        raise ReviewRejected(_("This scan already has the model's verdict."))
    (prediction,) = predict(active_predictor(), [stored_picture(scan)])
    fields = {
        **verdict_fields(prediction.despite_gate()),
        "gate_overridden_by": reviewer,
        "gate_overridden_at": timezone.now(),
    }
    with transaction.atomic():
        waiting = Scan.objects.filter(pk=scan.pk, status=Scan.Status.NOT_RECOGNISED)
        if not waiting.update(**fields):
            raise ReviewRejected(_("This scan already has the model's verdict."))
        audit.record(audit.Action.GATE_OVERRIDE, scan_id=scan.pk, detail=prediction.verdict)
    scan.refresh_from_db()
    return scan


def scan_override_gate_undo(*, scan: Scan, reviewer: AbstractBaseUser) -> Scan:
    """Take back a verdict given despite the gate: the scan is "not recognised" again, its
    review kept; recorded in the audit trail."""
    _check_reviewer(reviewer, scan)
    fields = {
        "status": Scan.Status.NOT_RECOGNISED,
        "predicted_class": "",
        "pneumonia_probability": None,
        "gate_overridden_by": None,
        "gate_overridden_at": None,
    }
    with transaction.atomic():
        overridden = Scan.objects.filter(pk=scan.pk, gate_overridden_at__isnull=False)
        if not overridden.update(**fields):
            raise ReviewRejected(_("This scan's verdict was not given despite the gate."))
        audit.record(audit.Action.GATE_OVERRIDE, scan_id=scan.pk, detail="undone")
    scan.refresh_from_db()
    return scan
