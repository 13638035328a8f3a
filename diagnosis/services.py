"""Writes. The web form and the API both call these; every upload rule lives here."""

from __future__ import annotations

import io
import logging
import unicodedata
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from PIL import Image

from diagnosis.ml import NO_MODEL_HELP, current_predictor
from diagnosis.models import Scan
from mlcore.card import ArtifactError
from mlcore.imaging import ImageError, decode_image
from mlcore.inference import Prediction

logger = logging.getLogger(__name__)

MAX_DISPLAY_NAME = 255


class UploadRejected(ValueError):
    """The upload cannot be accepted; the message says why (HTTP 400)."""


class ModelUnavailable(RuntimeError):
    """No usable model is installed (HTTP 503); the message says how to fix it."""


def display_filename(name: str | None) -> str:
    """The client's file name made safe to show: last path part, no control characters."""
    name = (name or "").replace("\\", "/")
    name = PurePosixPath(name).name if name.strip("/") else ""
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    if len(name) > MAX_DISPLAY_NAME:
        stem, dot, suffix = name.rpartition(".")
        keep = f".{suffix[:16]}" if dot and stem else ""
        name = name[: MAX_DISPLAY_NAME - len(keep) - 1] + "\u2026" + keep
    return name or "upload"


def _read_upload(uploaded_file: UploadedFile) -> bytes:
    limit = settings.PNEUMO_MAX_UPLOAD_BYTES
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise UploadRejected(
            f"The file is {uploaded_file.size / 1e6:.1f} MB; the limit is {limit / 1e6:.1f} MB."
        )
    uploaded_file.seek(0)
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected(f"The file is larger than the limit of {limit / 1e6:.1f} MB.")
    return data


def _png_bytes(image: Image.Image, longest_side: int) -> bytes:
    copy = image.copy()
    copy.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    copy.save(buffer, format="PNG", optimize=False, compress_level=3)
    return buffer.getvalue()


def _predict(image: Image.Image) -> Prediction:
    predictor = current_predictor()
    try:
        return predictor.predict_arrays([predictor.prepare(image)])[0]
    except ArtifactError as exc:
        logger.error("Prediction impossible: %s", exc)
        raise ModelUnavailable(f"The model is not available. {NO_MODEL_HELP}") from exc


def scan_create(*, owner: AbstractBaseUser, uploaded_file: UploadedFile) -> Scan:
    """Validate, predict, store: all or nothing. Returns the saved Scan."""
    try:
        card = current_predictor().card
    except ArtifactError as exc:
        raise ModelUnavailable(f"The model is not available. {NO_MODEL_HELP}") from exc
    data = _read_upload(uploaded_file)
    try:
        image = decode_image(
            data,
            max_pixels=settings.PNEUMO_MAX_IMAGE_PIXELS,
            draft_size=max(settings.PNEUMO_DISPLAY_SIZE, card.input_size),
        )
    except ImageError as exc:
        raise UploadRejected(str(exc)) from exc
    prediction = _predict(image)
    scan = Scan(
        owner=owner,
        original_filename=display_filename(uploaded_file.name),
        image_width=image.width,
        image_height=image.height,
        predicted_class=prediction.predicted_class,
        pneumonia_probability=prediction.pneumonia_probability,
        threshold=prediction.threshold,
        model_version=prediction.model_version,
        inference_ms=prediction.inference_ms,
    )
    _save_with_files(
        scan,
        {
            "image": _png_bytes(image, settings.PNEUMO_DISPLAY_SIZE),
            "thumbnail": _png_bytes(image, settings.PNEUMO_THUMBNAIL_SIZE),
        },
    )
    logger.info(
        "Scan %s by user %s: %s (%.3f)",
        scan.pk,
        owner.pk,
        scan.predicted_class,
        scan.pneumonia_probability,
    )
    return scan


def _save_with_files(scan: Scan, files: dict[str, bytes]) -> None:
    """Write the files under server-made names and the row; on any failure, neither."""
    stem = f"scans/{uuid.uuid4().hex}"
    written: list[str] = []
    try:
        with transaction.atomic():
            for field_name, content in files.items():
                field = getattr(scan, field_name)
                field.save(f"{stem}_{field_name}.png", ContentFile(content), save=False)
                written.append(field.name)
            scan.save()
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


def scan_delete(*, scan: Scan) -> None:
    """Delete the row, then its files once the deletion is committed."""
    names = [field.name for field in scan.stored_files()]
    with transaction.atomic():
        scan.delete()
        transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
