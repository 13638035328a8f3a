"""The Kaggle chest X-ray dataset: download, layout check, patient-level split, arrays.

Layout (Kaggle's ``paultimothymooney/chest-xray-pneumonia``)::

    ROOT/train/{NORMAL,PNEUMONIA}/*.jpeg
    ROOT/val/{NORMAL,PNEUMONIA}/        optional (the official one holds only 16 images)
    ROOT/test/{NORMAL,PNEUMONIA}/       optional

The zip nests it as ``chest_xray/chest_xray/...``; :func:`detect_layout` finds the right level.
Images are read with :func:`model_input_of_file`: the web app's decoder and preprocessing.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mlcore.artifact.files import PROJECT_ROOT
from mlcore.decode.pictures import to_model_input
from mlcore.decode.upload import model_picture
from mlcore.errors import DatasetError

logger = logging.getLogger(__name__)

CLASS_DIRS = ("NORMAL", "PNEUMONIA")  # label 0, label 1
IMAGE_SUFFIXES = {".jpeg", ".jpg", ".png"}
KAGGLE_DATASET = "paultimothymooney/chest-xray-pneumonia"
MIN_VAL_IMAGES = 200

_PATIENT_PATTERNS = (
    re.compile(r"^(person\d+)_", re.IGNORECASE),
    re.compile(r"^(NORMAL2-IM-\d+)-", re.IGNORECASE),
    re.compile(r"^(IM-\d+)-", re.IGNORECASE),
)


@dataclass(frozen=True)
class Sample:
    path: Path
    label: int  # 0 normal, 1 pneumonia
    patient: str


@dataclass(frozen=True)
class Layout:
    root: Path
    train: Path
    val: Path | None
    test: Path | None


@dataclass
class Splits:
    train: list[Sample]
    val: list[Sample]
    test: list[Sample]
    description: dict[str, Any] = field(default_factory=dict)


def default_data_dir() -> Path:
    """``$PNEUMO_DATA_DIR``, else ``<project>/var/data/chest_xray``."""
    configured = os.environ.get("PNEUMO_DATA_DIR")
    return Path(configured) if configured else PROJECT_ROOT / "var" / "data" / "chest_xray"


def has_class_dirs(folder: Path) -> bool:
    return all((folder / name).is_dir() for name in CLASS_DIRS)


def detect_layout(path: Path, max_depth: int = 3) -> Layout:
    """Find the shallowest folder under ``path`` whose ``train/`` holds NORMAL/ and PNEUMONIA/."""
    path = Path(path)
    if not path.is_dir():
        raise DatasetError(f"Data folder {path} does not exist.")
    level = [path]
    for _ in range(max_depth + 1):
        for folder in sorted(level):
            if has_class_dirs(folder / "train"):
                optional = {
                    name: folder / name if has_class_dirs(folder / name) else None
                    for name in ("val", "test")
                }
                return Layout(folder, folder / "train", optional["val"], optional["test"])
        level = [child for folder in level for child in folder.iterdir() if child.is_dir()]
    raise DatasetError(
        f"No train/NORMAL and train/PNEUMONIA folders found in {path} (Kaggle layout expected)."
    )


def patient_id(filename: str) -> str:
    """Patient of a Kaggle file name; an unknown pattern counts as its own patient."""
    for pattern in _PATIENT_PATTERNS:
        match = pattern.match(filename)
        if match:
            return match.group(1).upper()
    return Path(filename).stem.upper()


def list_samples(folder: Path) -> list[Sample]:
    """All images in ``folder/NORMAL`` and ``folder/PNEUMONIA``, sorted for reproducibility."""
    samples = []
    for label, name in enumerate(CLASS_DIRS):
        for path in sorted((folder / name).iterdir()):
            if path.suffix.lower() in IMAGE_SUFFIXES and path.is_file():
                samples.append(Sample(path, label, patient_id(path.name)))
    return samples


def labelled_files(root: Path, suffixes: Collection[str] = IMAGE_SUFFIXES) -> list[Sample]:
    """Every file ending in one of ``suffixes`` inside a folder named NORMAL or PNEUMONIA
    (any case) at any depth under ``root`` (train/, test/, a site's own archive...), sorted."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"Data folder {root} does not exist.")
    labels = {name.lower(): label for label, name in enumerate(CLASS_DIRS)}
    samples = []
    for folder, subfolders, files in os.walk(root):
        subfolders.sort()
        label = labels.get(Path(folder).name.lower())
        if label is None:
            continue
        for name in sorted(files):
            if Path(name).suffix.lower() in suffixes:
                samples.append(Sample(Path(folder) / name, label, patient_id(name)))
    return samples


def split_by_patient(
    samples: Sequence[Sample], fractions: Sequence[float], seed: int
) -> list[list[Sample]]:
    """Split into ``len(fractions) + 1`` parts by patient, stratified by class, seeded.

    Part ``i`` gets about ``fractions[i]`` of each class's images; the last part gets the
    rest. Images of one patient always land in the same part.
    """
    rng = np.random.default_rng(seed)
    parts: list[list[Sample]] = [[] for _ in range(len(fractions) + 1)]
    by_class: dict[int, dict[str, list[Sample]]] = defaultdict(lambda: defaultdict(list))
    patient_class: dict[str, int] = {}
    for sample in samples:
        label = patient_class.setdefault(sample.patient, sample.label)
        by_class[label][sample.patient].append(sample)
    for label in sorted(by_class):
        patients = sorted(by_class[label])
        rng.shuffle(patients)
        total = sum(len(by_class[label][p]) for p in patients)
        targets = [fraction * total for fraction in fractions]
        part, filled = 0, 0
        for patient in patients:
            while part < len(targets) and filled >= targets[part]:
                part, filled = part + 1, 0
            parts[part].extend(by_class[label][patient])
            filled += len(by_class[label][patient])
    return parts


def make_splits(
    layout: Layout, *, val_fraction: float = 0.15, test_fraction: float = 0.15, seed: int = 42
) -> Splits:
    """Train/val/test samples; validation (and test, if absent) carved from train by patient.

    A ``val/`` with fewer than :data:`MIN_VAL_IMAGES` images is merged into the train pool
    before carving, since its patients may also appear in ``train/``.
    """
    pool = list_samples(layout.train)
    val = list_samples(layout.val) if layout.val else []
    how = {"val": "val/ folder", "test": "test/ folder"}
    if len(val) < MIN_VAL_IMAGES:
        pool += val
        fractions = [val_fraction] if layout.test else [val_fraction, test_fraction]
        parts = split_by_patient(pool, fractions, seed)
        val, pool = parts[0], parts[-1]
        how["val"] = f"{val_fraction:.0%} of train/ by patient, stratified, seed {seed}"
        if not layout.test:
            test = parts[1]
            how["test"] = f"{test_fraction:.0%} of train/ by patient, stratified, seed {seed}"
    if layout.test:
        test = list_samples(layout.test)
    splits = Splits(pool, val, test)
    splits.description = describe(splits, how)
    return splits


def describe(splits: Splits, how: dict[str, str]) -> dict[str, Any]:
    """Counts per class and split, and how each split was made (for the model card)."""
    description: dict[str, Any] = {"source": f"Kaggle {KAGGLE_DATASET} (Kermany et al. 2018)"}
    for name in ("train", "val", "test"):
        samples = getattr(splits, name)
        labels = [s.label for s in samples]
        description[name] = {
            "normal": labels.count(0),
            "pneumonia": labels.count(1),
            "patients": len({s.patient for s in samples}),
            "how": how.get(name, "train/ minus validation and test patients"),
        }
    return description


def model_input_of_file(path: Path, size: int, *, equalize: bool = False) -> np.ndarray:
    """A dataset file -> the model's (size, size, 1) input: the upload decoder (JPEG draft
    mode down to ``size``), then :func:`mlcore.decode.pictures.to_model_input` as for uploads."""
    return to_model_input(model_picture(Path(path).read_bytes(), size), size, equalize=equalize)


def load_arrays(
    samples: Sequence[Sample], size: int, *, equalize: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Decode images into ``(n, size, size, 1)`` float32 0..1 and labels ``(n,)`` float32."""
    images = np.empty((len(samples), size, size, 1), dtype=np.float32)
    for index, sample in enumerate(samples):
        images[index] = model_input_of_file(sample.path, size, equalize=equalize)
        if (index + 1) % 1000 == 0:
            logger.info("Decoded %d/%d images", index + 1, len(samples))
    labels = np.array([s.label for s in samples], dtype=np.float32)
    return images, labels


def make_dataset(
    images: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    *,
    shuffle: bool = False,
    seed: int = 42,
    augment: Callable[[Any], Any] | None = None,
):
    """A batched, prefetched tf.data pipeline over in-memory arrays."""
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((images, labels))
    if shuffle:
        dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
    dataset = dataset.batch(batch_size)
    if augment is not None:
        dataset = dataset.map(lambda x, y: (augment(x), y), num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.prefetch(tf.data.AUTOTUNE)


def kaggle_credentials_available() -> bool:
    if os.environ.get("KAGGLE_USERNAME") and os.environ.get("KAGGLE_KEY"):
        return True
    if os.environ.get("KAGGLE_API_TOKEN"):
        return True
    config_dir = Path(os.environ.get("KAGGLE_CONFIG_DIR", Path.home() / ".kaggle"))
    return (config_dir / "kaggle.json").is_file() or (config_dir / "access_token").is_file()


def ensure_dataset(dest: Path, *, download: bool = False, force: bool = False) -> Layout:
    """The layout at ``dest``, downloading it first when asked or when it is absent."""
    dest = Path(dest)
    if not force:
        try:
            return detect_layout(dest)
        except DatasetError:
            if not download and dest.exists() and any(dest.iterdir()):
                raise
    return download_dataset(dest)


def download_dataset(dest: Path) -> Layout:
    """Fetch the Kaggle dataset into ``dest`` atomically: nothing is left half-done.

    The files land in a temporary folder next to ``dest``; only once the layout verifies
    does that folder replace ``dest``.
    """
    if not kaggle_credentials_available():
        raise DatasetError(
            "No Kaggle credentials: set KAGGLE_USERNAME and KAGGLE_KEY (or KAGGLE_API_TOKEN, "
            "or create ~/.kaggle/kaggle.json), or pass --data-dir to a folder you already have."
        )
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}-download-", dir=dest.parent))
    try:
        import kagglehub

        logger.info("Downloading %s from Kaggle (about 2.3 GB)...", KAGGLE_DATASET)
        fetched = Path(
            kagglehub.dataset_download(
                KAGGLE_DATASET, force_download=True, output_dir=str(staging / "download")
            )
        )
        layout = detect_layout(fetched)
        verified = staging / "verified"
        shutil.move(str(layout.root), verified)
        (verified / ".source.json").write_text(json.dumps({"kaggle": KAGGLE_DATASET}) + "\n")
        if dest.exists():
            shutil.rmtree(dest)
        verified.rename(dest)
    except DatasetError as exc:
        raise DatasetError(f"The Kaggle download did not have the expected layout: {exc}") from None
    except Exception as exc:  # network, authentication, disk: one clear line for the command
        raise DatasetError(
            f"Kaggle download failed ({type(exc).__name__}: {exc}); check the network and "
            "credentials, or pass --data-dir to a folder you already have."
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    logger.info("Dataset ready in %s", dest)
    return detect_layout(dest)
