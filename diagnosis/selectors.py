"""Reads. Who may see which scan is decided here and nowhere else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F, Q, QuerySet

from diagnosis.active_model import performance_report
from diagnosis.models import Scan

# name -> (label, ordering); ties broken by id so pages never repeat or skip a row.
SORTS = {
    "newest": ("Newest first", ("-created_at", "-id")),
    "oldest": ("Oldest first", ("created_at", "id")),
    "probability_desc": (
        "Highest score",
        (F("pneumonia_probability").desc(nulls_last=True), "-id"),
    ),
    "probability_asc": (
        "Lowest score",
        (F("pneumonia_probability").asc(nulls_last=True), "-id"),
    ),
}

# name -> (label, condition) of the history's review filter.
REVIEW_FILTERS = {
    "reviewed": ("Reviewed", ~Q(review_finding="")),
    "unreviewed": ("Not reviewed", Q(review_finding="")),
    "disagree": (
        "Review disagrees with the model",
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
    """A user's own scans; staff see everyone's."""
    scans = Scan.objects.select_related("owner", "reviewed_by")
    return scans if user.is_staff else scans.filter(owner=user)


def user_can_review(user: AbstractBaseUser) -> bool:
    """Staff, and users granted review_scan (the "Reviewers" group), record reviews of
    the scans they can see."""
    return user.is_active and (user.is_staff or user.has_perm(REVIEW_PERMISSION))


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
    _, ordering = SORTS.get(filters.sort, SORTS["newest"])
    return scans.order_by(*ordering)


def scan_next_unreviewed(user: AbstractBaseUser, current: Scan) -> Scan | None:
    """The reviewer's worklist, oldest first: the first unreviewed scan ``user`` can see
    uploaded after ``current``, else (wrapping round) the oldest one before it."""
    unreviewed = (
        scans_visible_to(user)
        .filter(REVIEW_FILTERS["unreviewed"][1])
        .exclude(pk=current.pk)
        .order_by("created_at", "id")
    )
    later = Q(created_at__gt=current.created_at) | Q(
        created_at=current.created_at, id__gt=current.pk
    )
    return unreviewed.filter(later).first() or unreviewed.first()


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
