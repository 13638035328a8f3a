"""The artifact contract: typed card, older cards upgraded, bad ones named, atomic install."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from mlcore.artifact.card import SCHEMA_VERSION, ModelCard, upgrade_card
from mlcore.artifact.files import (
    CARD_FILENAME,
    MODEL_FILENAME,
    SHIPPED_MODEL_DIR,
    install,
    read_card,
    write_card,
)
from mlcore.errors import ArtifactError

# The shipped model's card as training wrote it, in schema 1 (before schema_version).
CARD_V1 = Path(__file__).parent / "model_card_v1.json"


def artifact_with_card(folder: Path, payload: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MODEL_FILENAME).write_bytes(b"not read by read_card")
    (folder / CARD_FILENAME).write_text(json.dumps(payload))
    return folder


def test_the_shipped_artifact_loads():
    card = read_card(SHIPPED_MODEL_DIR)

    assert card.schema_version == SCHEMA_VERSION
    assert card.network.last_conv_layers == ("m0_last_conv", "m1_last_conv", "m2_last_conv")
    assert card.gate is not None and card.gate.file == "ood.npz"


def test_a_schema_1_card_is_upgraded_field_by_field():
    old = json.loads(CARD_V1.read_text())

    card = ModelCard.from_dict(old)

    assert (card.version, card.input_size, card.threshold) == (
        old["version"], old["input_size"], old["threshold"],
    )  # fmt: skip
    assert card.calibration.temperature == old["temperature"]
    assert card.calibration.report() == old["metrics"]["calibration"]
    assert list(card.network.last_conv_layers) == old["extra"]["last_conv_layer"]
    assert card.network.center_crop == old["extra"]["center_crop"]
    assert card.network.logit_layer == old["extra"]["logit_layer"]
    assert card.gate.threshold == old["extra"]["ood"]["threshold"]
    assert card.provenance.backbone == old["backbone"]
    assert card.provenance.training == old["training"] and card.provenance.data == old["data"]
    assert set(card.metrics) == {"val", "test"} and card.site is None


def test_a_schema_1_site_threshold_becomes_the_typed_site_record():
    old = json.loads(CARD_V1.read_text())
    old["extra"]["training_threshold"] = {"threshold": 0.84, "rule": "val", "version": "v1"}
    old["metrics"]["site"] = {"data": "/site", "before": {"n": 40}, "after": {"n": 40}}
    old["extra"]["last_conv_layer"] = "last_conv"

    card = ModelCard.from_dict(old)

    assert card.site.training.version == "v1" and card.site.after == {"n": 40}
    assert "site" not in card.metrics and card.network.last_conv_layers == ("last_conv",)


def test_writing_then_reading_gives_the_same_card(tmp_path):
    card = ModelCard.from_dict(json.loads(CARD_V1.read_text()))
    (tmp_path / MODEL_FILENAME).write_bytes(b"")

    write_card(tmp_path, card)

    assert read_card(tmp_path) == card
    assert json.loads((tmp_path / CARD_FILENAME).read_text())["schema_version"] == SCHEMA_VERSION
    assert upgrade_card(json.loads(card.to_json())) == json.loads(card.to_json())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"schema_version": SCHEMA_VERSION + 1}, f"'schema_version' is {SCHEMA_VERSION + 1}: "),
        ({"schema_version": "2"}, "'schema_version' must be a positive integer"),
        ({"input_size": "large"}, "'input_size' must be a whole number, not 'large'"),
        ({"calibration": {"temperature": "hot"}}, "'calibration.temperature' must be a number"),
        ({"network": {"last_conv_layers": [1]}}, "'network.last_conv_layers' must be a list"),
        ({"gate": {"method": "no threshold"}}, "'gate.threshold' is missing"),
        ({"version": None}, "'version' must be a text"),
    ],
)
def test_an_unreadable_or_too_new_card_names_the_field(tmp_path, change, message):
    payload = {"schema_version": SCHEMA_VERSION, "version": "v", "input_size": 32, **change}

    with pytest.raises(ArtifactError, match=message):
        read_card(artifact_with_card(tmp_path, payload))


def test_no_card_or_no_json_is_an_artifact_error(tmp_path):
    with pytest.raises(ArtifactError, match="No model installed"):
        read_card(tmp_path)
    (artifact_with_card(tmp_path, {}) / CARD_FILENAME).write_text("{not json")
    with pytest.raises(ArtifactError, match="cannot be read"):
        read_card(tmp_path)


def test_install_copies_every_file_and_leaves_no_temporary_one(tmp_path):
    source = shutil.copytree(SHIPPED_MODEL_DIR, tmp_path / "run")

    target = install(source, tmp_path / "installed")

    assert sorted(p.name for p in target.iterdir()) == sorted(p.name for p in source.iterdir())
    assert read_card(target) == read_card(source)


def test_a_schema_2_card_reads_as_made_by_training_and_is_rewritten_in_schema_3():
    payload = {"schema_version": 2, "version": "v", "input_size": 32, "threshold": 0.7}

    card = ModelCard.from_dict(payload)

    assert card.adaptation is None and card.threshold == 0.7
    assert card.schema_version == SCHEMA_VERSION == 3
