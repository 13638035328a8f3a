"""The detail page's review panel: shown to everyone, buttons for reviewers, plain forms."""

from datetime import timedelta

from django.test import Client
from django.utils import timezone

from diagnosis.models import Scan, ScanReview


def review_url(scan) -> str:
    return f"/scans/{scan.pk}/review/"


def test_buttons_keep_one_order_and_show_the_shortcuts(reviewer, alice_client, make_row):
    normal = make_row(reviewer, predicted="normal", probability=0.1)
    pneumonia = make_row(reviewer, predicted="pneumonia")

    for scan in (normal, pneumonia):
        text = alice_client.get(scan.get_absolute_url()).content.decode()
        assert text.index('id="confirm-normal"') < text.index('id="confirm-pneumonia"')
        assert "<kbd>j</kbd> next in the worklist" in text and 'data-key="p"' in text
        assert 'data-key="N"' in text and "js/review.js" in text


def test_the_buttons_work_as_plain_forms_with_csrf(reviewer, make_row):
    scan = make_row(reviewer)
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    page = client.get(scan.get_absolute_url())
    token = page.cookies["csrftoken"].value

    assert client.post(review_url(scan), {"finding": "normal"}).status_code == 403  # no token
    response = client.post(
        review_url(scan),
        {"finding": "normal", "comment": "clear lungs", "csrfmiddlewaretoken": token},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == scan.get_absolute_url()
    text = response.content.decode()
    assert "Confirmed normal" in text and "the model said pneumonia" in text
    assert "clear lungs" in text and "Reviewed: normal." in text
    response = client.post(
        review_url(scan), {"clear": "1", "csrfmiddlewaretoken": token}, follow=True
    )
    assert "Not reviewed yet." in response.content.decode()
    assert ScanReview.objects.filter(scan=scan).count() == 2


def test_others_see_the_review_but_get_no_buttons_and_403(reviewer, staff, make_row, bob):
    scan = make_row(bob)
    staff_client = Client()
    staff_client.force_login(staff)
    staff_client.post(review_url(scan), {"finding": "pneumonia", "comment": "lobar"})

    bob_client = Client()
    bob_client.force_login(bob)
    text = bob_client.get(scan.get_absolute_url()).content.decode()
    assert "Confirmed pneumonia" in text and "by carol" in text and "lobar" in text
    assert 'id="review-form"' not in text and "next-unreviewed" not in text
    response = bob_client.post(review_url(scan), {"finding": "normal"})
    assert response.status_code == 403
    assert Scan.objects.get(pk=scan.pk).review_finding == "pneumonia"


def test_a_scan_the_reviewer_cannot_see_is_404(reviewer, alice_client, make_row, bob):
    scan = make_row(bob)

    assert alice_client.post(review_url(scan), {"finding": "normal"}).status_code == 404


def test_a_bad_finding_on_the_page_is_400(reviewer, alice_client, make_row):
    response = alice_client.post(review_url(make_row(reviewer)), {"finding": "unsure"})

    assert response.status_code == 400
    assert '"pneumonia"' in response.content.decode()


def test_next_unreviewed_walks_the_worklist_oldest_first_and_wraps(
    reviewer, alice_client, make_row, bob
):
    now = timezone.now()
    rows = [make_row(reviewer, name=f"{n}.png") for n in range(4)]
    for age, row in zip((40, 30, 20, 10), rows, strict=True):
        Scan.objects.filter(pk=row.pk).update(created_at=now - timedelta(minutes=age))
    Scan.objects.filter(pk=rows[2].pk).update(review_finding="normal")
    make_row(bob)  # not hers: never in her worklist

    def next_of(scan):
        return alice_client.get(scan.get_absolute_url()).context["next_unreviewed"]

    assert next_of(rows[0]) == rows[1]
    assert next_of(rows[1]) == rows[3]  # skips the reviewed one
    assert next_of(rows[3]) == rows[0]  # wraps round to the oldest
    Scan.objects.exclude(pk=rows[3].pk).update(review_finding="normal")
    assert next_of(rows[3]) is None
    assert (
        "No other scan awaits review."
        in alice_client.get(rows[3].get_absolute_url()).content.decode()
    )


def test_the_patient_group_shows_only_a_prefix(alice_client, make_row, alice):
    scan = make_row(alice, patient_key="0123456789abcdef0123456789abcdef")

    text = alice_client.get(scan.get_absolute_url()).content.decode()
    assert "01234567<" in text and "0123456789abcdef" not in text
