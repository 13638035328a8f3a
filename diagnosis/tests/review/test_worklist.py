"""The reviewer's worklist: by priority, buttons in a fixed place, confirm and next, the
reviewers of a ward, the gate override confirmed and undone, a patient's earlier scans."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AccessEvent
from diagnosis.models import Scan, Ward
from diagnosis.selectors import scan_next_unreviewed, scan_worklist

BAND = {"band_low": 0.4, "band_high": 0.6}


@pytest.fixture
def queue(alice, make_row):
    """Five unreviewed scans, uploaded in this order, and one reviewed."""
    start = timezone.now() - timedelta(hours=6)

    def row(name: str, hours: int, **fields) -> Scan:
        scan = make_row(alice, name=name, **BAND, **fields)
        Scan.objects.filter(pk=scan.pk).update(created_at=start + timedelta(hours=hours))
        return Scan.objects.get(pk=scan.pk)

    return {
        "normal-old": row("normal-old", 0, predicted="normal", probability=0.1),
        "borderline-old": row("borderline-old", 1, predicted="normal", probability=0.45),
        "pneumonia-new": row("pneumonia-new", 2, predicted="pneumonia", probability=0.9),
        "not-recognised": row("not-recognised", 3, predicted=""),
        "borderline-new": row("borderline-new", 4, predicted="pneumonia", probability=0.55),
        "reviewed": row("reviewed", 5, predicted="pneumonia", probability=0.95,
                        review_finding="pneumonia"),
    }  # fmt: skip


def test_the_worklist_is_pneumonia_then_borderline_then_the_rest_oldest_first(
    reviewer, queue, alice_client
):
    order = [scan.original_filename for scan in scan_worklist(reviewer)]
    assert order == [
        "pneumonia-new",
        "borderline-old",
        "borderline-new",
        "normal-old",
        "not-recognised",
    ]
    assert scan_next_unreviewed(reviewer, queue["borderline-new"]) == queue["normal-old"]
    assert scan_next_unreviewed(reviewer, queue["not-recognised"]) == queue["pneumonia-new"]
    page = alice_client.get(reverse("diagnosis:worklist")).content.decode()
    assert page.index("pneumonia-new") < page.index("borderline-old") < page.index("normal-old")
    assert 'id="nav-worklist"' in page


def test_the_buttons_keep_their_place_whatever_the_verdict(reviewer, queue, alice_client):
    for name in ("normal-old", "pneumonia-new"):
        page = alice_client.get(queue[name].get_absolute_url()).content.decode()
        assert page.index('id="confirm-normal"') < page.index('id="confirm-pneumonia"')


def test_confirm_and_next_opens_the_next_scan_of_the_worklist(reviewer, queue, alice_client):
    first = queue["pneumonia-new"]
    review = reverse("diagnosis:scan-review", kwargs={"pk": first.pk}) + "?then=next"
    response = alice_client.post(review, {"finding": "pneumonia"})
    assert response["Location"] == queue["borderline-old"].get_absolute_url()
    assert 'data-key="P"' in alice_client.get(response["Location"]).content.decode()

    for scan in Scan.objects.filter(review_finding="").exclude(pk=queue["not-recognised"].pk):
        scan.review_finding = "normal"
        scan.save()
    last = reverse("diagnosis:scan-review", kwargs={"pk": queue["not-recognised"].pk})
    response = alice_client.post(last + "?then=next", {"finding": "normal"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("diagnosis:worklist")
    assert "No other scan awaits review." in response.content.decode()


def test_only_reviewers_have_a_worklist(alice_client):
    assert alice_client.get(reverse("diagnosis:worklist")).status_code == 403


def test_a_wards_reviewer_sees_and_reviews_its_members_scans_and_no_others(alice, bob, make_row):
    rita = get_user_model().objects.create_user("rita", password="rita-password-1")
    ward = Ward.objects.create(name="Paediatrics")
    ward.members.add(alice)
    ward.reviewers.add(rita)
    alices, bobs = make_row(alice, name="alice.png"), make_row(bob, name="bob.png")
    client = Client()
    client.force_login(rita)

    assert client.get(alices.get_absolute_url()).status_code == 200
    assert client.get(bobs.get_absolute_url()).status_code == 404
    review = reverse("diagnosis:scan-review", kwargs={"pk": alices.pk})
    assert client.post(review, {"finding": "normal"}).status_code == 302
    assert Scan.objects.get(pk=alices.pk).reviewed_by == rita
    api = APIClient()
    api.force_authenticate(rita)
    names = [
        row["original_filename"] for row in api.get(reverse("api:scan-list")).json()["results"]
    ]
    assert names == ["alice.png"]
    assert not rita.is_staff
    # and the ward's members do not see their reviewer's own scans
    ritas = make_row(rita, name="rita.png")
    alice_sees = Client()
    alice_sees.force_login(alice)
    assert alice_sees.get(ritas.get_absolute_url()).status_code == 404


def test_the_gate_override_is_confirmed_first_and_can_be_taken_back(
    alice, reviewer, alice_client, make_scan
):
    scan = make_scan(alice)
    Scan.objects.filter(pk=scan.pk).update(status=Scan.Status.NOT_RECOGNISED, predicted_class="")
    override = reverse("diagnosis:scan-override-gate", kwargs={"pk": scan.pk})
    page = alice_client.get(scan.get_absolute_url()).content.decode()
    assert 'method="get" action="' + override in page  # the button asks first

    confirm = alice_client.get(override).content.decode()
    assert "Give the model's verdict anyway?" in confirm and 'id="confirm-override"' in confirm
    alice_client.post(override)
    assert Scan.objects.get(pk=scan.pk).is_recognised
    assert 'id="undo-override-form"' in alice_client.get(scan.get_absolute_url()).content.decode()

    response = alice_client.post(override, {"undo": "1"}, follow=True)
    scan.refresh_from_db()
    assert not scan.is_recognised and scan.gate_overridden_by is None
    assert "Taken back" in response.content.decode()
    details = list(
        AccessEvent.objects.filter(action="gate_override")
        .order_by("id")
        .values_list("detail", flat=True)
    )
    assert details[-1] == "undone" and len(details) == 2
    assert alice_client.post(override, {"undo": "1"}).status_code == 400  # nothing to undo


def test_a_patients_other_scans_are_listed_and_open_side_by_side(
    alice, bob, alice_client, make_row
):
    earlier = make_row(alice, name="earlier.png", patient_key="k" * 64, review_finding="normal")
    now = make_row(alice, name="now.png", patient_key="k" * 64)
    bobs = make_row(bob, name="someone-else.png", patient_key="k" * 64)  # not alice's to see
    make_row(alice, name="another-patient.png", patient_key="z" * 64)

    page = alice_client.get(now.get_absolute_url()).content.decode()
    assert 'id="priors"' in page and "reviewed normal" in page
    compare = reverse("diagnosis:scan-compare", kwargs={"pk": now.pk, "other": earlier.pk})
    assert compare in page
    assert "someone-else" not in page and "another-patient" not in page
    text = alice_client.get(compare).content.decode()
    assert text.index(f"/scans/{earlier.pk}/image") < text.index(f"/scans/{now.pk}/image")
    other = reverse("diagnosis:scan-compare", kwargs={"pk": now.pk, "other": bobs.pk})
    assert alice_client.get(other).status_code == 404  # bob's: not found
