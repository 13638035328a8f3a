"""The borderline band: where the data behind the cut-off do not settle the verdict."""

import json

import numpy as np

from mlcore.artifact.card import Band, ModelCard
from mlcore.artifact.files import CARD_FILENAME, read_card
from mlcore.stats.calibration import borderline_band, choose_threshold, threshold_band


def scores(seed: int = 0, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.random(n) < 0.7
    probs = np.clip(np.where(labels, rng.normal(0.8, 0.12, n), rng.normal(0.3, 0.15, n)), 0, 1)
    return labels.astype(float), probs


def test_band_surrounds_the_chosen_threshold_and_is_reproducible():
    labels, probs = scores()
    threshold = choose_threshold(labels, probs, 0.95)

    low, high = threshold_band(labels, probs, 0.95)

    assert low <= threshold <= high and high - low > 0.01
    assert threshold_band(labels, probs, 0.95) == (low, high)


def test_a_site_band_follows_the_rule_with_its_specificity_floor():
    labels, probs = scores()
    threshold = choose_threshold(labels, probs, 0.95, min_specificity=0.8)
    assert threshold != choose_threshold(labels, probs, 0.95)

    band = borderline_band(labels, probs, 0.95, "site images", min_specificity=0.8)

    assert band.low <= threshold <= band.high
    assert "specificity >= 80.0%" in band.rule


def test_fewer_labelled_images_give_a_wider_band():
    labels, probs = scores(n=2000)
    wide = threshold_band(labels[:200], probs[:200], 0.95)
    narrow = threshold_band(labels, probs, 0.95)

    assert wide[1] - wide[0] > narrow[1] - narrow[0]


def test_band_labels_scores_and_says_how_it_was_chosen():
    labels, probs = scores()
    band = borderline_band(labels, probs, 0.95, "validation images")

    assert band.label(band.low) == band.label(band.high) == "borderline"
    assert band.high < 0.99 and band.label(band.high + 0.01) == "clear"
    assert band.label(0.0) == "clear"
    assert "1000 bootstrap resamples of 400 validation images" in band.rule


def test_a_schema_2_card_without_band_still_loads(artifact):
    payload = json.loads((artifact / CARD_FILENAME).read_text())
    payload["schema_version"] = 2
    payload.pop("band")
    (artifact / CARD_FILENAME).write_text(json.dumps(payload))

    card = read_card(artifact)

    assert card.band is None and card.schema_version == 3


def test_the_band_round_trips_through_the_card():
    payload = {"schema_version": 3, "version": "v", "input_size": 32}
    card = ModelCard.from_dict({**payload, "band": {"low": 0.2, "high": 0.3}})

    assert card.band == Band(0.2, 0.3)
    assert ModelCard.from_dict(json.loads(card.to_json())).band == Band(0.2, 0.3)


def test_the_shipped_card_has_a_band_around_its_threshold():
    from mlcore.artifact.files import SHIPPED_MODEL_DIR

    card = read_card(SHIPPED_MODEL_DIR)

    assert card.band is not None and card.band.low < card.threshold < card.band.high
    assert "validation images" in card.band.rule
