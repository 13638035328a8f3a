"""The site threshold: chosen on the site's labelled images, written to the card, reversible."""

from __future__ import annotations

from pathlib import Path

import pytest

from mlcore.artifact import read_card
from mlcore.errors import DatasetError, InvalidOption
from mlcore.evaluation import evaluate_artifact
from mlcore.site import MIN_IMAGES_PER_CLASS, reset_threshold, set_site_threshold
from mlcore.testing import TINY_VERSION, labelled_xray_folder


def test_site_threshold_keeps_the_target_sensitivity_and_is_what_the_app_reads(
    artifact: Path, tmp_path: Path
):
    site = labelled_xray_folder(tmp_path / "site", 24, 30)

    result = set_site_threshold(artifact, site, target_sensitivity=0.9)

    card = read_card(artifact)
    assert card.threshold == result.after["threshold"] != result.before["threshold"]
    assert result.after["sensitivity"] >= 0.9 and result.after["n"] == 54
    assert card.version.startswith(f"{TINY_VERSION}+site-")
    assert "sensitivity >= 90% on 54 labelled images" in card.threshold_rule
    assert card.site.after == result.after
    # evaluate_model (and the app) use the card: the site figures are what they report
    assert evaluate_artifact(artifact, site)["confusion_matrix"] == result.after["confusion_matrix"]


def test_setting_twice_keeps_the_training_threshold_and_reset_restores_it(
    artifact: Path, tmp_path: Path
):
    original = read_card(artifact)
    site = labelled_xray_folder(tmp_path / "site", 20, 20)
    set_site_threshold(artifact, site, target_sensitivity=0.9)
    second = set_site_threshold(artifact, site, target_sensitivity=1.0)
    assert second.card.site.training.threshold == original.threshold

    restored = reset_threshold(artifact)

    assert (restored.threshold, restored.version) == (original.threshold, original.version)
    assert restored.threshold_rule == original.threshold_rule
    assert restored.site is None and read_card(artifact).site is None


def test_too_few_images_of_a_class_is_refused_and_leaves_the_card_alone(
    artifact: Path, tmp_path: Path
):
    before = (artifact / "model_card.json").read_text()
    site = labelled_xray_folder(tmp_path / "site", MIN_IMAGES_PER_CLASS - 1, 40)

    with pytest.raises(
        DatasetError, match=f"19 normal and 40 pneumonia.*at least {MIN_IMAGES_PER_CLASS}"
    ):
        set_site_threshold(artifact, site)
    with pytest.raises(InvalidOption, match=r"between 0\.5 and 1"):
        set_site_threshold(artifact, site, target_sensitivity=95)
    assert (artifact / "model_card.json").read_text() == before
