"""History, API list and exports: filter by review, and the review in every export."""

import csv
import io

import pytest

from diagnosis.services import scan_review


@pytest.fixture
def reviewed(reviewer, make_row):
    """agree (pneumonia/pneumonia), disagree (normal verdict, pneumonia found), open, and a
    not-recognised image reviewed as normal (no verdict: never a disagreement)."""
    agree = make_row(reviewer, name="agree.png", predicted="pneumonia")
    disagree = make_row(reviewer, name="disagree.png", predicted="normal", probability=0.2)
    make_row(reviewer, name="open.png")
    photo = make_row(reviewer, name="photo.png", predicted="")
    scan_review(scan=agree, reviewer=reviewer, finding="pneumonia")
    scan_review(scan=disagree, reviewer=reviewer, finding="pneumonia", comment="=1+1 subtle")
    scan_review(scan=photo, reviewer=reviewer, finding="normal")


@pytest.mark.parametrize(
    ("review", "expected"),
    [
        ("", {"agree.png", "disagree.png", "open.png", "photo.png"}),
        ("reviewed", {"agree.png", "disagree.png", "photo.png"}),
        ("unreviewed", {"open.png"}),
        ("disagree", {"disagree.png"}),
    ],
)
def test_filter_by_review_on_the_page_and_in_the_api(
    reviewed, alice_client, alice_api, review, expected
):
    page = alice_client.get("/scans/", {"review": review})
    listed = alice_api.get("/api/scans/", {"review": review}).json()["results"]

    assert {scan.original_filename for scan in page.context["page"].object_list} == expected
    assert {row["original_filename"] for row in listed} == expected


def test_an_unknown_review_filter_is_400_in_the_api(reviewed, alice_api):
    response = alice_api.get("/api/scans/", {"review": "sometimes"})

    assert response.status_code == 400
    assert "review" in response.json()


def test_the_history_shows_the_review_and_marks_disagreement(reviewed, alice_client):
    text = alice_client.get("/scans/", {"review": "disagree"}).content.decode()

    assert 'title="differs from the model\'s verdict"' in text


def test_exports_carry_the_review(reviewed, alice_client, alice_api):
    rows = alice_api.get("/api/scans/export/", {"review": "disagree"}).json()
    [row] = rows
    assert row["review_finding"] == "pneumonia" and row["reviewed_by"] == "alice"
    assert row["review_comment"] == "=1+1 subtle" and row["reviewed_at"]

    text = b"".join(alice_client.get("/scans/export.csv", {"review": "reviewed"})).decode()
    table = list(csv.DictReader(io.StringIO(text)))
    assert {r["original_filename"]: r["review_finding"] for r in table} == {
        "agree.png": "pneumonia",
        "disagree.png": "pneumonia",
        "photo.png": "normal",
    }
    disagree = next(r for r in table if r["original_filename"] == "disagree.png")
    assert disagree["review_comment"] == "'=1+1 subtle"  # no formula in a spreadsheet

    unreviewed = alice_api.get("/api/scans/export/", {"review": "unreviewed"}).json()
    assert unreviewed[0]["review_finding"] is None and unreviewed[0]["reviewed_by"] is None
