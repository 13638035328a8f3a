"""The management commands are thin: options in, mlcore out, one-line errors."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from mlcore.artifact.files import read_card
from mlcore.testing import labelled_xray_folder


def test_train_model_without_data_or_credentials_fails_in_one_line(tmp_path, monkeypatch):
    for name in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("PNEUMO_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(CommandError, match="KAGGLE_USERNAME") as error:
        call_command("train_model")
    assert "\n" not in str(error.value)


@pytest.mark.slow
def test_train_then_evaluate(tiny_data, tmp_path, monkeypatch, settings, db):
    monkeypatch.setenv("PNEUMO_MODEL_DIR", str(tmp_path / "installed"))
    settings.PNEUMO_MODEL_DIR = tmp_path / "installed"  # what evaluate_model uses: none activated
    call_command(
        "train_model", data_dir=tiny_data, backbone="cnn", epochs=1, image_size=32,
        batch_size=8, output=tmp_path / "out", install=True,
    )  # fmt: skip
    out = tmp_path / "metrics.json"
    call_command("evaluate_model", data_dir=tiny_data, json=out)
    metrics = json.loads(out.read_text())
    assert metrics["n"] == 12
    keys = "n accuracy sensitivity specificity precision f1 roc_auc threshold confusion_matrix"
    assert set(metrics) == {*keys.split(), "model_version"}
    call_command("evaluate_model", data_dir=tiny_data / "test", model=tmp_path / "out")


def test_evaluate_model_without_an_artifact_fails_in_one_line(tiny_data, tmp_path):
    with pytest.raises(CommandError, match="No model installed"):
        call_command("evaluate_model", data_dir=tiny_data, model=tmp_path / "empty")


def active_name() -> str:
    """The active version, as `model_versions` marks it (*)."""
    listing = io.StringIO()
    call_command("model_versions", stdout=listing)
    (line,) = [line for line in listing.getvalue().splitlines() if line.startswith("*")]
    return line[2:].split(":")[0]


@pytest.fixture(autouse=True)
def versions_folder(settings, tmp_path):
    """Site versions go to a throwaway folder, never the checkout's var/models."""
    settings.PNEUMO_MODEL_VERSIONS_DIR = tmp_path / "models"
    return settings.PNEUMO_MODEL_VERSIONS_DIR


# set_site_threshold is now the threshold-only case of adapt_to_site (issue 13): it writes a
# new site version under PNEUMO_MODEL_VERSIONS_DIR and activates it instead of rewriting the
# card in place (the code tree stays read-only), and --reset activates the version before.
def test_set_site_threshold_then_reset(artifact, tmp_path, capsys, settings, versions_folder, db):
    settings.PNEUMO_MODEL_DIR = artifact
    site = labelled_xray_folder(tmp_path / "site", 20, 25)
    training = read_card(artifact)

    call_command("set_site_threshold", data_dir=site, target_sensitivity=0.9)
    output = capsys.readouterr().out
    assert "Installed and activated" in output and "next prediction" in output
    assert read_card(artifact) == training  # the base folder is left alone
    (name,) = [p.name for p in versions_folder.iterdir() if p.is_dir()]
    assert name == training.version + "+site.1"
    card = read_card(versions_folder / name)
    assert card.adaptation.kind == "threshold" and "sensitivity >= 90.0%" in card.threshold_rule
    assert card.band.low <= card.threshold <= card.band.high  # its own band, by the same rule
    assert "site images" in card.band.rule and card.band != training.band
    assert active_name() == name

    call_command("set_site_threshold", reset=True)
    assert active_name() == "shipped"


def test_set_site_threshold_needs_a_folder_and_enough_images(artifact, tmp_path):
    with pytest.raises(CommandError, match="--data-dir"):
        call_command("set_site_threshold", model=artifact)
    site = labelled_xray_folder(tmp_path / "site", 3, 25)
    with pytest.raises(CommandError, match="3 normal and 25 pneumonia") as error:
        call_command("set_site_threshold", data_dir=site, model=artifact)
    assert "\n" not in str(error.value)
