"""The word "probability" only where it is one: when the card of the version that judged
the scan says its calibration was fitted on this site; otherwise a score, with both
calibration errors on the model card."""

import shutil

import pytest
from django.urls import reverse

from diagnosis.active_model import activate
from mlcore.artifact.card import SITE_CALIBRATION, Adaptation, Calibration
from mlcore.artifact.files import SHIPPED_MODEL_DIR, read_card, write_card
from mlcore.testing import TINY_VERSION

SITE = f"{TINY_VERSION}+site.1"
HELD_OUT = ("roc_auc", "sensitivity", "specificity", "accuracy")


def held_out(value: float) -> dict:
    return {
        **dict.fromkeys(HELD_OUT, value),
        "intervals": {name: [value - 0.1, value + 0.05] for name in HELD_OUT},
    }


def install_site_version(model_dir, root, *, name: str = SITE, kind: str = "head") -> str:
    """A site version on disk as adapt_to_site (kind "head") or set_site_threshold
    ("threshold", calibration left as it was) writes one: the tiny model, its card."""
    folder = root / name
    shutil.copytree(model_dir, folder)
    card = read_card(folder)
    base = card.version
    card.version = name
    if kind == "head":
        card.calibration = Calibration(temperature=1.0, method=SITE_CALIBRATION)
    card.metrics = {"site_held_out": held_out(0.9)}
    card.adaptation = Adaptation(
        from_version=base,
        kind=kind,
        source="reviews",
        site_images={"normal": 24, "pneumonia": 26},
        before=held_out(0.7),
        after=held_out(0.9),
        threshold_rule="sensitivity >= 95.0%",
        install_rule="installed: AUC not worse",
        reviewers={"rita": 50},
        created_at="2026-12-01T10:00:00+00:00",
    )
    write_card(folder, card)
    return name


@pytest.fixture
def site_version(model, settings):
    return install_site_version(model, settings.PNEUMO_MODEL_VERSIONS_DIR)


def page(client, scan) -> str:
    return client.get(scan.get_absolute_url()).content.decode()


def test_without_site_calibration_the_page_says_score(alice_client, alice, make_scan):
    scan = make_scan(alice, opaque=True)

    text = page(alice_client, scan)

    assert 'Score <strong id="score">' in text
    assert "A score, not a probability at this site" in text
    assert "Probability of pneumonia" not in text


def test_each_scan_is_described_by_the_version_that_judged_it(
    alice_client, alice_api, alice, make_scan, site_version
):
    activate(site_version, by="test")
    by_site = make_scan(alice, opaque=True, seed=1)
    assert by_site.model_version == SITE
    text = page(alice_client, by_site)
    assert 'Probability of pneumonia <strong id="score">' in text
    assert "Calibrated for this site" in text and 'id="older-model"' not in text

    activate("shipped", by="test")  # rolled back: the scan keeps its words
    text = page(alice_client, by_site)
    body = alice_api.get(reverse("api:scan-detail", args=[by_site.pk])).json()
    assert 'Probability of pneumonia <strong id="score">' in text
    assert f"a newer model than the active one, {TINY_VERSION}" in text
    assert body["score_is_probability"] is True

    by_shipped = make_scan(alice, opaque=True, seed=2)
    activate(site_version, by="test")
    text = page(alice_client, by_shipped)
    body = alice_api.get(reverse("api:scan-detail", args=[by_shipped.pk])).json()
    assert "A score, not a probability at this site" in text
    assert f"an older model than the active one, {SITE}" in text
    assert body["score_is_probability"] is False


def test_a_threshold_only_version_of_the_shipped_model_is_still_a_score(
    alice_client, alice, make_scan, model, settings
):
    name = install_site_version(model, settings.PNEUMO_MODEL_VERSIONS_DIR, kind="threshold")
    activate(name, by="test")
    text = page(alice_client, make_scan(alice, opaque=True))
    assert "A score, not a probability at this site" in text


def test_a_site_versions_card_shows_its_adaptation_and_its_base_evaluation(
    alice_client, alice_api, site_version
):
    activate(site_version, by="test")
    text = alice_client.get(reverse("diagnosis:model-card")).content.decode()
    assert "fitted on this site's reviews" in text and "temperature" not in text
    assert 'id="adaptation-record"' in text and "24 normal and 26 pneumonia" in text
    assert "2026-12-01T10:00:00+00:00" in text and "rita (50)" in text
    assert f"{TINY_VERSION} (before)" in text and f"{SITE} (this version)" in text
    assert "0.700" in text and "0.900" in text and "(0.800&ndash;0.950)" in text
    assert f"Evaluation of {TINY_VERSION}, the version it was adapted from" in text
    adaptation = alice_api.get(reverse("api:model")).json()["adaptation"]
    assert adaptation["from_version"] == TINY_VERSION
    assert adaptation["after"]["roc_auc"] == {"value": 0.9, "interval": [0.8, 0.9 + 0.05]}


def test_model_card_shows_calibration_error_on_validation_and_on_the_test_site(
    alice_client, settings, db
):
    settings.PNEUMO_MODEL_DIR = SHIPPED_MODEL_DIR  # the card only: no TensorFlow
    text = alice_client.get(reverse("diagnosis:model-card")).content.decode()

    assert "0.027 on validation" in text
    assert "<strong>0.198 on the test site</strong>" in text
    assert "Not calibrated for this site" in text
    assert "scores 77.9&ndash;90.3" in text and "score 84.2 on the 0&ndash;100 scale" in text
