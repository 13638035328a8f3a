"""POST/DELETE /api/scans/<id>/review/: who may review, what is accepted, what is kept."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from diagnosis.models import ScanReview


def url(scan) -> str:
    return f"/api/scans/{scan.pk}/review/"


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_reviewer_records_a_finding_and_the_scan_shows_it(reviewer, alice_api, make_row):
    scan = make_row(reviewer, predicted="pneumonia")

    response = alice_api.post(url(scan), {"finding": "normal", "comment": "old scar"}, "json")

    assert response.status_code == 200
    review = response.json()["review"]
    assert review["finding"] == "normal" and review["comment"] == "old scar"
    assert review["reviewed_by"] == "alice" and review["reviewed_at"]
    scan.refresh_from_db()
    assert (scan.review_finding, scan.reviewed_by, scan.is_reviewed) == ("normal", reviewer, True)
    assert alice_api.get(f"/api/scans/{scan.pk}/").json()["review"]["finding"] == "normal"


def test_an_unreviewed_scan_has_review_null(alice_api, alice, make_row):
    scan = make_row(alice)

    assert alice_api.get(f"/api/scans/{scan.pk}/").json()["review"] is None


def test_clearing_answers_200_with_review_null_and_keeps_the_history(reviewer, alice_api, make_row):
    scan = make_row(reviewer)
    alice_api.post(url(scan), {"finding": "pneumonia"}, "json")

    response = alice_api.delete(url(scan))

    assert response.status_code == 200
    assert response.json()["review"] is None
    scan.refresh_from_db()
    assert scan.review_finding == "" and scan.reviewed_by is None and scan.reviewed_at is None
    history = list(ScanReview.objects.filter(scan=scan).values_list("finding", "reviewer"))
    assert history == [("", reviewer.pk), ("pneumonia", reviewer.pk)]  # newest first


def test_a_bad_finding_is_400_naming_the_allowed_values(reviewer, alice_api, make_row):
    scan = make_row(reviewer)

    response = alice_api.post(url(scan), {"finding": "maybe"}, "json")

    assert response.status_code == 400
    detail = response.json()["detail"]
    assert '"normal"' in detail and '"pneumonia"' in detail and "maybe" in detail
    assert not ScanReview.objects.exists()


def test_a_missing_finding_is_400(reviewer, alice_api, make_row):
    response = alice_api.post(url(make_row(reviewer)), {"comment": "x"}, "json")

    assert response.status_code == 400
    assert "finding" in response.json()


def test_a_user_who_may_not_review_gets_403_and_nothing_changes(alice_api, alice, make_row):
    scan = make_row(alice)

    for response in (
        alice_api.post(url(scan), {"finding": "normal"}, "json"),
        alice_api.delete(url(scan)),
    ):
        assert response.status_code == 403
        assert "reviewer" in response.json()["detail"].lower()
    scan.refresh_from_db()
    assert not scan.is_reviewed and not ScanReview.objects.exists()


def test_a_scan_the_caller_cannot_see_is_404_even_for_a_reviewer(reviewer, bob, make_row):
    scan = make_row(bob)

    response = api(reviewer).post(url(scan), {"finding": "normal"}, "json")

    assert response.status_code == 404
    assert api(reviewer).delete(url(scan)).status_code == 404


def test_staff_review_any_scan(staff, alice, make_row):
    scan = make_row(alice)

    response = api(staff).post(url(scan), {"finding": "pneumonia"}, "json")

    assert response.status_code == 200
    assert response.json()["review"]["reviewed_by"] == "carol"


def test_the_permission_alone_is_enough(bob, make_row):
    bob.user_permissions.add(Permission.objects.get(codename="review_scan"))
    scan = make_row(bob)

    assert api(bob).post(url(scan), {"finding": "normal"}, "json").status_code == 200


def test_the_review_is_in_the_list(reviewer, alice_api, make_row):
    scan = make_row(reviewer)
    alice_api.post(url(scan), {"finding": "normal"}, "json")

    [row] = alice_api.get("/api/scans/").json()["results"]
    assert row["review"]["finding"] == "normal"


@pytest.mark.parametrize("method", ["post", "delete"])
def test_unauthenticated_is_refused(method, alice, make_row):
    response = getattr(APIClient(), method)(url(make_row(alice)), {"finding": "normal"}, "json")

    assert response.status_code in (401, 403)
