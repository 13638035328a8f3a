"""Patient parsing, patient-level split, layout detection and the (mocked) Kaggle download."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import numpy as np
import pytest

from mlcore.data import dataset
from mlcore.data.dataset import (
    DatasetError,
    Sample,
    detect_layout,
    download_dataset,
    make_splits,
    patient_id,
    split_by_patient,
)
from mlcore.tests.conftest import make_layout


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("person1_bacteria_1.jpeg", "PERSON1"),
        ("person100_virus_184.jpeg", "PERSON100"),
        ("person1946_bacteria_4874.jpeg", "PERSON1946"),
        ("IM-0115-0001.jpeg", "IM-0115"),
        ("NORMAL2-IM-0427-0001.jpeg", "NORMAL2-IM-0427"),
        ("NORMAL2-IM-0427-0001-0002.jpeg", "NORMAL2-IM-0427"),
        ("scan.png", "SCAN"),
    ],
)
def test_patient_id(filename, expected):
    assert patient_id(filename) == expected


def test_normal2_and_plain_im_numbers_are_different_patients():
    assert patient_id("IM-0427-0001.jpeg") != patient_id("NORMAL2-IM-0427-0001.jpeg")


def _samples(patients: int, per_patient: int, label: int, prefix: str) -> list[Sample]:
    return [
        Sample(Path(f"{prefix}{p}_{i}.jpeg"), label, f"{prefix}{p}")
        for p in range(patients)
        for i in range(1 + (p % per_patient))
    ]


def test_split_keeps_each_patient_on_one_side_and_is_stratified():
    samples = _samples(300, 3, 1, "person") + _samples(100, 2, 0, "IM-")
    parts = split_by_patient(samples, [0.15, 0.15], seed=7)
    assert sum(len(part) for part in parts) == len(samples)
    patient_sets = [{s.patient for s in part} for part in parts]
    for i in range(3):
        for j in range(i + 1, 3):
            assert not patient_sets[i] & patient_sets[j]
    for part, fraction in zip(parts[:2], (0.15, 0.15), strict=True):
        for label in (0, 1):
            total = sum(s.label == label for s in samples)
            share = sum(s.label == label for s in part) / total
            assert share == pytest.approx(fraction, abs=0.03)


def test_split_is_reproducible_with_a_seed():
    samples = _samples(50, 3, 1, "person") + _samples(50, 2, 0, "IM-")
    assert split_by_patient(samples, [0.2], seed=1) == split_by_patient(samples, [0.2], seed=1)
    assert split_by_patient(samples, [0.2], seed=1) != split_by_patient(samples, [0.2], seed=2)


def test_layout_found_in_the_zip_nesting_without_val(tmp_path):
    make_layout(tmp_path / "chest_xray" / "chest_xray", {"train": 2, "test": 2})
    layout = detect_layout(tmp_path)
    assert layout.root == tmp_path / "chest_xray" / "chest_xray"
    assert layout.val is None
    assert layout.test == layout.root / "test"


def test_layout_prefers_the_shallowest_complete_copy(tmp_path):
    # the Kaggle zip holds chest_xray/ with the data and a __MACOSX/ or nested copy
    make_layout(tmp_path / "chest_xray", {"train": 2, "val": 1})
    make_layout(tmp_path / "chest_xray" / "chest_xray", {"train": 2})
    layout = detect_layout(tmp_path)
    assert layout.root == tmp_path / "chest_xray"
    assert layout.val == layout.root / "val"
    assert layout.test is None


def test_layout_missing_raises_a_clear_error(tmp_path):
    (tmp_path / "train" / "NORMAL").mkdir(parents=True)
    with pytest.raises(DatasetError, match="train/NORMAL and train/PNEUMONIA"):
        detect_layout(tmp_path)
    with pytest.raises(DatasetError, match="does not exist"):
        detect_layout(tmp_path / "nowhere")


def test_small_val_is_merged_and_test_carved_when_absent(tmp_path):
    layout = detect_layout(make_layout(tmp_path / "d", {"train": 40, "val": 2}))
    splits = make_splits(layout, seed=3)
    everything = splits.train + splits.val + splits.test
    assert len(everything) == 2 * 42
    sides = [{s.patient for s in part} for part in (splits.train, splits.val, splits.test)]
    assert not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])
    assert splits.val and splits.test
    assert "by patient" in splits.description["test"]["how"]
    assert splits.description["train"]["normal"] == sum(s.label == 0 for s in splits.train)


def test_load_arrays_uses_the_app_preprocessing(tiny_data):
    samples = dataset.list_samples(tiny_data / "test")
    images, labels = dataset.load_arrays(samples[:3], 24, equalize=True)
    assert images.shape == (3, 24, 24, 1) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0
    assert labels.tolist() == [0.0, 0.0, 0.0]


@pytest.fixture
def no_credentials(monkeypatch, tmp_path):
    for name in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path / "no-kaggle-config"))


@pytest.fixture
def fake_kagglehub(monkeypatch):
    """Install a fake ``kagglehub`` whose download is set per test."""
    module = types.ModuleType("kagglehub")
    monkeypatch.setitem(sys.modules, "kagglehub", module)
    monkeypatch.setenv("KAGGLE_USERNAME", "someone")
    monkeypatch.setenv("KAGGLE_KEY", "secret")
    return module


def test_download_without_credentials_says_what_to_set(no_credentials, tmp_path):
    with pytest.raises(DatasetError, match=r"KAGGLE_USERNAME.*--data-dir"):
        download_dataset(tmp_path / "data")
    assert not (tmp_path / "data").exists()


def test_download_success_moves_the_verified_layout_into_place(fake_kagglehub, tmp_path):
    def dataset_download(handle, *, force_download, output_dir):
        assert handle == dataset.KAGGLE_DATASET
        make_layout(Path(output_dir) / "chest_xray" / "chest_xray", {"train": 2, "test": 1})
        return output_dir

    fake_kagglehub.dataset_download = dataset_download
    layout = download_dataset(tmp_path / "data")
    assert layout.root == tmp_path / "data"
    assert layout.test == tmp_path / "data" / "test"
    assert [p.name for p in tmp_path.iterdir()] == ["data"]  # no staging folder left


@pytest.mark.parametrize("failure", ["network", "bad layout"])
def test_download_failure_leaves_nothing_half_done(fake_kagglehub, tmp_path, failure):
    def dataset_download(handle, *, force_download, output_dir):
        (Path(output_dir) / "chest_xray" / "train" / "NORMAL").mkdir(parents=True)
        if failure == "network":
            raise ConnectionError("connection reset")
        return output_dir

    fake_kagglehub.dataset_download = dataset_download
    expected = "connection reset" if failure == "network" else "layout"
    with pytest.raises(DatasetError, match=expected):
        download_dataset(tmp_path / "data")
    assert list(tmp_path.iterdir()) == []


def test_ensure_dataset_uses_an_existing_folder_without_downloading(tiny_data, no_credentials):
    assert dataset.ensure_dataset(tiny_data).root == tiny_data


@pytest.mark.shared_data
def test_shared_data_split_has_no_patient_on_two_sides(shared_data):
    splits = make_splits(detect_layout(shared_data), seed=42)
    train, val = {s.patient for s in splits.train}, {s.patient for s in splits.val}
    assert not train & val
    assert splits.description["train"]["normal"] + splits.description["val"]["normal"] == 1341
    assert len(splits.test) == 316
