"""The admin: scans are not added by hand (no "Add scan", no 500), and a scan's page edits
only its notes and its review, the review through the service (history row, reviewer)."""

import pytest
from django.test import Client
from django.urls import reverse

from diagnosis.models import Scan, ScanReview


@pytest.fixture
def admin_client_(staff) -> Client:
    staff.is_superuser = True
    staff.save()
    client = Client()
    client.force_login(staff)
    return client


def test_there_is_no_add_scan(admin_client_):
    assert admin_client_.get(reverse("admin:diagnosis_scan_add")).status_code == 403
    listing = admin_client_.get(reverse("admin:diagnosis_scan_changelist")).content.decode()
    assert reverse("admin:diagnosis_scan_add") not in listing


def test_a_scan_edits_notes_and_review_only(admin_client_, staff, alice, make_row):
    scan = make_row(alice, name="row.png")
    url = reverse("admin:diagnosis_scan_change", args=[scan.pk])
    page = admin_client_.get(url).content.decode()
    assert 'name="notes"' in page and 'name="review_finding"' in page
    assert 'name="image_width"' not in page and 'name="predicted_class"' not in page

    response = admin_client_.post(
        url,
        {
            "notes": "follow up in a week",
            "review_finding": "normal",
            "review_comment": " clear lungs ",
            "image_width": 1,
        },
    )

    assert response.status_code == 302
    scan.refresh_from_db()
    assert scan.notes == "follow up in a week"
    assert (scan.review_finding, scan.review_comment) == ("normal", "clear lungs")
    assert scan.reviewed_by == staff and scan.reviewed_at is not None
    assert scan.image_width == 96  # read-only: the posted value is ignored
    assert ScanReview.objects.filter(scan=scan, reviewer=staff, finding="normal").count() == 1


def test_clearing_the_review_in_the_admin_is_recorded(admin_client_, staff, alice, make_row):
    scan = make_row(alice, review_finding="pneumonia", reviewed_by=alice)
    url = reverse("admin:diagnosis_scan_change", args=[scan.pk])
    admin_client_.post(url, {"notes": "", "review_finding": "", "review_comment": ""})

    scan.refresh_from_db()
    assert scan.review_finding == "" and scan.reviewed_by is None
    assert ScanReview.objects.filter(scan=scan, finding="").count() == 1
    assert Scan.objects.count() == 1
