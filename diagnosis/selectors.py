"""Reads. Who may see which scan is decided here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from diagnosis.active_model import performance_report
from diagnosis.models import Scan, Ward

# name -> (label, ordering); ties broken by id so pages never repeat or skip a row.
SORTS = {
    "newest": (_("Newest first"), ("-created_at", "-id")),
    "oldest": (_("Oldest first"), ("created_at", "id")),
    "probability_desc": (
        _("Highest score"),
        (F("pneumonia_probability").desc(nulls_last=True), "-id"),
    ),
    "probability_asc": (
        _("Lowest score"),
        (F("pneumonia_probability").asc(nulls_last=True), "-id"),
    ),
}

# name -> (label, condition) of the history's review filter.
REVIEW_FILTERS = {
    "reviewed": (_("Reviewed"), ~Q(review_finding="")),
    "unreviewed": (_("Not reviewed"), Q(review_finding="")),
    "disagree": (
        _("Review disagrees with the model"),
        Q(status=Scan.Status.PREDICTED)
        & ~Q(review_finding="")
        & ~Q(review_finding=F("predicted_class")),
    ),
}
REVIEW_PERMISSION = "diagnosis.review_scan"


@dataclass(frozen=True)
class ScanFilters:
    filename: str = ""
    result: str = ""  # "pneumonia", "normal", "not_recognised" or "" for all
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "newest"
    review: str = ""  # a key of REVIEW_FILTERS or "" for all
    ids: tuple[int, ...] = ()  # only these scans (one upload's), or () for all


def scans_visible_to(user: AbstractBaseUser) -> QuerySet[Scan]:
    """A user's own scans, and those of the members of the wards they review; staff see
    everyone's."""
    scans = Scan.objects.select_related("owner", "reviewed_by")
    if user.is_staff:
        return scans
    ward_members = Ward.members.through.objects.filter(ward__reviewers=user).values("user_id")
    return scans.filter(Q(owner=user) | Q(owner_id__in=ward_members))


def user_can_review(user: AbstractBaseUser) -> bool:
    """Staff, users granted review_scan (the "Reviewers" group) and the reviewers of a ward
    record reviews of the scans they can see."""
    return user.is_active and (
        user.is_staff
        or user.has_perm(REVIEW_PERMISSION)
        or Ward.objects.filter(reviewers=user).exists()
    )


NO_REVIEWER = "(no reviewer recorded)"


@dataclass(frozen=True)
class SiteReview:
    """A reviewed scan as adapt_to_site learns from it."""

    image: str  # the stored display copy's name
    label: int  # 1: pneumonia
    group: str  # the patient key, or the scan alone
    reviewer: str  # the user name
    agrees: bool  # the review's finding is the model's verdict


def site_reviews() -> list[SiteReview]:
    """Every reviewed scan the model judged, oldest first, each content once (the latest
    review of an image uploaded twice, by whoever). Scans the gate did not recognise are
    left out (the model gave them no verdict); scans without a patient key count as their
    own patient."""
    reviewed = (
        Scan.objects.filter(status=Scan.Status.PREDICTED)
        .exclude(review_finding="")
        .select_related("reviewed_by")
        .order_by("-reviewed_at", "-id")
    )
    latest: dict[str, SiteReview] = {}
    order: dict[str, int] = {}
    for scan in reviewed.iterator():
        content = scan.content_sha256 or f"scan-{scan.pk}"
        if content in latest:
            continue
        latest[content] = SiteReview(
            image=scan.image.name,
            label=int(scan.review_finding == Scan.PredictedClass.PNEUMONIA),
            group=scan.patient_key or f"scan-{scan.pk}",
            reviewer=scan.reviewed_by.get_username() if scan.reviewed_by else NO_REVIEWER,
            agrees=scan.review_finding == scan.predicted_class,
        )
        order[content] = scan.pk
    return [latest[content] for content in sorted(latest, key=order.__getitem__)]


def scans_deletable_by(user: AbstractBaseUser) -> QuerySet[Scan]:
    """Only the owner deletes a scan (staff use the admin for anything more)."""
    return Scan.objects.filter(owner=user)


def scan_list(user: AbstractBaseUser, filters: ScanFilters | None = None) -> QuerySet[Scan]:
    """The scans ``user`` may see, filtered and sorted (newest first by default)."""
    filters = filters or ScanFilters()
    scans = scans_visible_to(user)
    if filters.result == Scan.Status.NOT_RECOGNISED:
        scans = scans.filter(status=Scan.Status.NOT_RECOGNISED)
    elif filters.result in Scan.PredictedClass.values:
        scans = scans.filter(predicted_class=filters.result)
    if filters.filename:
        scans = scans.filter(original_filename__icontains=filters.filename)
    if filters.date_from:
        scans = scans.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        scans = scans.filter(created_at__date__lte=filters.date_to)
    if filters.review in REVIEW_FILTERS:
        scans = scans.filter(REVIEW_FILTERS[filters.review][1])
    if filters.ids:
        scans = scans.filter(pk__in=filters.ids)
    __, ordering = SORTS.get(filters.sort, SORTS["newest"])
    return scans.order_by(*ordering)


# The worklist's order: what most needs a clinician first. 0: the model says pneumonia,
# clear of its borderline band; 1: borderline (either side of the cut-off); 2: the rest
# (normal and clear, or not recognised); oldest first inside each.
BORDERLINE_ROW = Q(
    status=Scan.Status.PREDICTED,
    band_low__isnull=False,
    pneumonia_probability__gte=F("band_low"),
    pneumonia_probability__lte=F("band_high"),
)
PRIORITY = Case(
    When(BORDERLINE_ROW, then=Value(1)),
    When(status=Scan.Status.PREDICTED, predicted_class=Scan.PredictedClass.PNEUMONIA, then=0),
    default=Value(2),
)
PRIORITY_LABELS = {0: _("Pneumonia"), 1: _("Borderline"), 2: _("Normal or not recognised")}


def scan_worklist(user: AbstractBaseUser) -> QuerySet[Scan]:
    """The unreviewed scans ``user`` can see, in the worklist's order (``priority``)."""
    return (
        scans_visible_to(user)
        .filter(REVIEW_FILTERS["unreviewed"][1])
        .annotate(priority=PRIORITY)
        .order_by("priority", "created_at", "id")
    )


def scan_next_unreviewed(user: AbstractBaseUser, current: Scan) -> Scan | None:
    """The scan after ``current`` in ``user``'s worklist, else (wrapping round) its first;
    ``current`` itself never (reviewed or not)."""
    place = Scan.objects.filter(pk=current.pk).annotate(priority=PRIORITY)
    priority = place.values_list("priority", flat=True).first()
    worklist = scan_worklist(user).exclude(pk=current.pk)
    if priority is None:  # deleted meanwhile
        return worklist.first()
    after = (
        Q(priority__gt=priority)
        | Q(priority=priority, created_at__gt=current.created_at)
        | Q(priority=priority, created_at=current.created_at, id__gt=current.pk)
    )
    return worklist.filter(after).first() or worklist.first()


def scan_priors(user: AbstractBaseUser, scan: Scan) -> QuerySet[Scan]:
    """The patient's other scans ``user`` can see (the same patient key), newest first."""
    if not scan.patient_key:
        return Scan.objects.none()
    same_patient = scans_visible_to(user).filter(patient_key=scan.patient_key)
    return same_patient.exclude(pk=scan.pk).order_by("-created_at", "-id")


def site_performance(user: AbstractBaseUser) -> list[dict]:
    """How each model version did on the reviewed scans ``user`` can see (all of them for
    staff), newest version first: confusion counts, proportions with Wilson intervals, ROC
    AUC with a bootstrap interval, reliability table (see mlcore.stats.metrics.performance_report).
    Only recognised scans count: the model gave no verdict on the others.
    """
    rows = (
        scans_visible_to(user)
        .filter(REVIEW_FILTERS["reviewed"][1], status=Scan.Status.PREDICTED)
        .order_by("-created_at", "-id")
        .values_list("model_version", "review_finding", "predicted_class", "pneumonia_probability")
    )
    by_version: dict[str, list[tuple]] = {}
    for version, *row in rows:
        by_version.setdefault(version, []).append(row)
    reports = []
    for version, reviews in by_version.items():
        found, predicted, stated = zip(*reviews, strict=True)
        pneumonia = Scan.PredictedClass.PNEUMONIA
        reports.append(
            {
                "model_version": version,
                **performance_report(
                    [finding == pneumonia for finding in found],
                    stated,
                    [verdict == pneumonia for verdict in predicted],
                ),
            }
        )
    return reports
