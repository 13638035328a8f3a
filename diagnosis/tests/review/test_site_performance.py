"""/model/site/ and /api/model/site/: the model against the reviews, worked out by hand."""

import numpy as np
import pytest
from django.test import Client
from rest_framework.test import APIClient

from diagnosis.models import Scan
from mlcore.stats.metrics import bootstrap_auc_interval

# (verdict, stated probability, reviewed finding, how many) of model v1: 20 of each class.
V1 = [
    ("pneumonia", 0.9, "pneumonia", 16),  # true positives
    ("normal", 0.3, "pneumonia", 4),  # false negatives
    ("normal", 0.1, "normal", 18),  # true negatives
    ("pneumonia", 0.7, "normal", 2),  # false positives
]


@pytest.fixture
def reviews(alice, bob, make_row):
    for verdict, stated, finding, count in V1:
        for _ in range(count):
            make_row(alice, predicted=verdict, probability=stated, review_finding=finding)
    make_row(alice, model_version="v2", predicted="pneumonia", review_finding="pneumonia")
    make_row(alice, predicted="pneumonia", probability=0.9)  # not reviewed: left out
    make_row(alice, predicted="", review_finding="normal")  # not recognised: left out
    make_row(bob, predicted="normal", probability=0.1, review_finding="pneumonia")


def report_of(client, version: str) -> dict:
    versions = client.get("/api/model/site/").json()["versions"]
    return next(report for report in versions if report["model_version"] == version)


def test_figures_and_intervals_match_the_hand_computed_ones(reviews, alice_api):
    report = report_of(alice_api, "v1")

    assert report["n"] == 40 and (report["normal"], report["pneumonia"]) == (20, 20)
    assert report["confusion_matrix"] == {"tn": 18, "fp": 2, "fn": 4, "tp": 16}
    assert report["enough"] and report["note"] == ""
    sensitivity, specificity = report["sensitivity"], report["specificity"]
    # Wilson, z = 1.96: 16/20 -> centre 0.7517, half-width 0.1677; 18/20 -> 0.8356, 0.1366
    assert (sensitivity["count"], sensitivity["n"], sensitivity["value"]) == (16, 20, 0.8)
    assert (sensitivity["low"], sensitivity["high"]) == pytest.approx((0.5840, 0.9193), abs=1e-3)
    assert (specificity["low"], specificity["high"]) == pytest.approx((0.6990, 0.9721), abs=1e-3)
    assert (report["precision"]["count"], report["precision"]["n"]) == (16, 18)
    assert report["accuracy"]["value"] == pytest.approx(34 / 40)
    # AUC: positives at 0.9 beat all 20 negatives (320 pairs), at 0.3 beat the 18 at 0.1 (72)
    auc = report["roc_auc"]
    assert auc["value"] == pytest.approx(392 / 400) and auc["n"] == 40
    labels = np.repeat([1, 1, 0, 0], [16, 4, 18, 2])
    stated = np.repeat([0.9, 0.3, 0.1, 0.7], [16, 4, 18, 2])
    assert (auc["low"], auc["high"]) == pytest.approx(bootstrap_auc_interval(labels, stated))
    assert auc["low"] < 392 / 400 <= auc["high"]
    bins = {row["low"]: (row["n"], row["observed"]) for row in report["reliability"] if row["n"]}
    assert bins == {0.1: (18, 0.0), 0.3: (4, 1.0), 0.7: (2, 0.0), 0.9: (16, 1.0)}


def test_too_few_reviews_is_said_plainly(reviews, alice_client):
    text = alice_client.get("/model/site/").content.decode()

    assert "Model v1" in text and "Model v2" in text
    assert text.count("Too few reviews to conclude") == 1  # v2 only
    assert "0.584 &ndash; 0.919" in text  # sensitivity's interval, with its counts
    assert "16 of 20 pneumonia called pneumonia" in text


def test_each_user_sees_figures_of_the_scans_they_can_see(reviews, bob, staff):
    bob_api, staff_api = APIClient(), APIClient()
    bob_api.force_authenticate(bob)
    staff_api.force_authenticate(staff)

    assert report_of(bob_api, "v1")["n"] == 1
    assert report_of(staff_api, "v1")["n"] == 41


def test_no_reviews_yet(alice_client, alice):
    assert "No reviewed scans yet" in alice_client.get("/model/site/").content.decode()


def test_the_model_card_links_to_the_site_page(alice_client, model):
    assert 'href="/model/site/"' in alice_client.get("/model/").content.decode()


def test_the_page_needs_a_login(db):
    assert Client().get("/model/site/").status_code == 302
    assert APIClient().get("/api/model/site/").status_code in (401, 403)


def test_versions_are_newest_first(reviews, alice_api):
    Scan.objects.filter(model_version="v2").update(created_at="2100-01-01T00:00Z")
    versions = [r["model_version"] for r in alice_api.get("/api/model/site/").json()["versions"]]

    assert versions == ["v2", "v1"]
