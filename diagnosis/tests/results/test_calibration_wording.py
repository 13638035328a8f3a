"""The word "probability" only where it is one: when the card says the calibration was
adapted to this site; otherwise a score, with both calibration errors on the model card."""

import dataclasses

import pytest
from django.urls import reverse

from diagnosis.active_model import current_predictor
from mlcore.artifact.files import SHIPPED_MODEL_DIR


@pytest.fixture
def adapted(model):
    """The active card, as an adapted version's card would say: calibrated on this site."""
    predictor = current_predictor()
    card = predictor.card
    predictor._card = type(
        "AdaptedCard", (), {**{f.name: getattr(card, f.name) for f in dataclasses.fields(card)}}
    )()
    predictor._card.adaptation = {"from": card.version, "site_images": {"normal": 20}}
    yield predictor._card
    predictor._card = card


def test_without_site_calibration_the_page_says_score(alice_client, alice, make_scan):
    scan = make_scan(alice, opaque=True)

    text = alice_client.get(scan.get_absolute_url()).content.decode()

    assert 'Score <strong id="score">' in text
    assert "A score, not a probability at this site" in text
    assert "Probability of pneumonia" not in text


def test_a_card_calibrated_on_this_site_makes_it_a_probability(
    alice_client, alice_api, alice, make_scan, adapted
):
    scan = make_scan(alice, opaque=True)

    text = alice_client.get(scan.get_absolute_url()).content.decode()
    body = alice_api.get(reverse("api:scan-detail", args=[scan.pk])).json()

    assert 'Probability of pneumonia <strong id="score">' in text
    assert "Calibrated for this site" in text
    assert body["score_is_probability"] is True


def test_a_scan_judged_by_another_version_stays_a_score(alice_client, alice, make_scan, adapted):
    scan = make_scan(alice, opaque=True)
    scan.model_version = "2025.01.01-older"
    scan.save()

    text = alice_client.get(scan.get_absolute_url()).content.decode()

    assert "A score, not a probability at this site" in text


def test_model_card_shows_calibration_error_on_validation_and_on_the_test_site(
    alice_client, settings, db
):
    settings.PNEUMO_MODEL_DIR = SHIPPED_MODEL_DIR  # the card only: no TensorFlow
    text = alice_client.get(reverse("diagnosis:model-card")).content.decode()

    assert "0.027 on validation" in text
    assert "<strong>0.198 on the test site</strong>" in text
    assert "Not calibrated for this site" in text
    assert "scores 77.9&ndash;90.3" in text and "score 84.2 on the 0&ndash;100 scale" in text
