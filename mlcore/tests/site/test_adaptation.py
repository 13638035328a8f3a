"""Adapting the tiny model to a generated site: refuse, install, guard, force, budget."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlcore.artifact import versions
from mlcore.artifact.files import read_card
from mlcore.errors import DatasetError, OutOfTime
from mlcore.model.inference import Predictor
from mlcore.site import adaptation, labelled
from mlcore.testing import TINY_VERSION, labelled_xray_folder, xray_inputs


@pytest.fixture
def site(artifact: Path, tmp_path: Path) -> labelled.LabelledImages:
    folder = labelled_xray_folder(tmp_path / "site", 24, 30)
    return labelled.images_from_folder(folder, read_card(artifact))


def random_labels(site: labelled.LabelledImages) -> labelled.LabelledImages:
    # Seeded: held-out AUC 0.30 for the candidate against 0.55 for the active model.
    labels = np.random.default_rng(2).permutation(site.labels)
    return labelled.LabelledImages(site.arrays, labels, site.groups, "random labels")


def test_too_few_reviews_of_a_class_are_refused_in_one_line(artifact, site):
    few = labelled.LabelledImages(site.arrays[:30], site.labels[:30], site.groups[:30], "few")
    with pytest.raises(DatasetError, match=r"6 pneumonia .* at least 20 of each") as error:
        adaptation.adapt(artifact, few, None, adaptation.Options())
    assert "\n" not in str(error.value)


def test_a_good_candidate_is_installed_as_the_next_site_version(artifact, site, tmp_path):
    root = tmp_path / "models"
    lines: list[str] = []
    candidate = adaptation.adapt(artifact, site, None, adaptation.Options(), progress=lines.append)
    assert candidate.failures == [] and any("outer fold 5/5" in line for line in lines)

    card = adaptation.install(candidate, root)

    assert card.version == f"{TINY_VERSION}+site.1"
    assert versions.installed_model_dir(root, card.version, artifact) == root / card.version
    record = card.adaptation
    assert (record.from_version, record.kind, record.forced) == (TINY_VERSION, "head", False)
    assert record.site_images == {"normal": 24, "pneumonia": 30}
    assert record.after["roc_auc"] >= record.before["roc_auc"]
    assert len(record.after["intervals"]["sensitivity"]) == 2 and record.created_at
    assert card.calibration.temperature == 1.0 and card.metrics["site_held_out"]
    assert (root / card.version / "ood.npz").is_file()
    # the new folder is a working artifact: its last layer is the head, its gate still reads
    images, labels = xray_inputs(8, first_seed=300)
    predictions = Predictor(root / card.version).predict_arrays(list(images))
    assert [p.model_version for p in predictions] == [card.version] * 8
    assert all(p.recognised for p in predictions)
    assert [p.predicted_class == "pneumonia" for p in predictions] == list(labels == 1)
    assert adaptation.install(candidate, root).version == f"{TINY_VERSION}+site.2"


def test_training_images_are_mixed_in_with_a_weight_chosen_by_cross_validation(
    artifact, site, tmp_path
):
    card = read_card(artifact)
    folder = labelled_xray_folder(tmp_path / "train", 30, 30)
    training = labelled.images_from_folder(folder, card, count=20)
    assert training.counts() == {"normal": 10, "pneumonia": 10}

    candidate = adaptation.adapt(artifact, site, training, adaptation.Options())

    record = candidate.card.adaptation
    assert record.training_images == 20
    assert record.hyperparameters["grid"]["train_weight"] == list(adaptation.TRAIN_WEIGHTS)
    assert record.hyperparameters["train_weight"] in adaptation.TRAIN_WEIGHTS


def test_a_worse_candidate_is_refused_unless_forced(artifact, site, tmp_path):
    candidate = adaptation.adapt(artifact, random_labels(site), None, adaptation.Options())
    assert not candidate.installable
    assert any(
        "ROC AUC" in failure and "below the active" in failure for failure in candidate.failures
    )

    forced = adaptation.adapt(artifact, random_labels(site), None, adaptation.Options(force=True))
    card = adaptation.install(forced, tmp_path / "models")
    assert card.adaptation.forced and card.adaptation.checks_failed == tuple(forced.failures)


def test_the_threshold_only_case_keeps_the_network(artifact, site, tmp_path):
    options = adaptation.Options(threshold_only=True, target_sensitivity=0.9)
    card = adaptation.install(adaptation.adapt(artifact, site, None, options), tmp_path)

    assert card.adaptation.kind == "threshold"
    assert card.calibration == read_card(artifact).calibration
    assert (tmp_path / card.version / "model.keras").read_bytes() == (
        artifact / "model.keras"
    ).read_bytes()


def test_the_time_budget_stops_the_adaptation(artifact, site):
    with pytest.raises(OutOfTime, match="--max-minutes 0"):
        adaptation.adapt(artifact, site, None, adaptation.Options(max_minutes=0))
