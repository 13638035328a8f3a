"""Scoring a picture with the active model: the one way every service runs it.

The model's failures come out as ModelUnavailable (HTTP 503) saying what to do, every
forward pass waits at most PNEUMO_PREDICT_TIMEOUT for the model, and a stored image is
decoded under the same limits as an upload.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image

from diagnosis.active_model import NO_MODEL_HELP, current_predictor
from diagnosis.errors import ModelUnavailable
from diagnosis.models import Scan
from mlcore.decode.upload import Limits, decode_upload
from mlcore.errors import ArtifactError, ModelBusy, VersionNotInstalled
from mlcore.model.inference import Prediction, Predictor
from mlcore.model.saliency import SaliencyMap

logger = logging.getLogger(__name__)


def upload_limits() -> Limits:
    """What decoding one picture may cost, from the settings."""
    return Limits(
        max_pixels=settings.PNEUMO_MAX_IMAGE_PIXELS,
        max_aspect_ratio=settings.PNEUMO_MAX_ASPECT_RATIO,
        max_decode_bytes=settings.PNEUMO_MAX_DECODE_BYTES,
        max_jpeg_scans=settings.PNEUMO_MAX_JPEG_SCANS,
        decode_memory_bytes=settings.PNEUMO_DECODE_MEMORY_BYTES,
        decode_seconds=settings.PNEUMO_DECODE_SECONDS,
        accept_burned_in=settings.PNEUMO_ACCEPT_BURNED_IN,
    )


@contextmanager
def model_errors() -> Iterator[None]:
    """The model's failures as ModelUnavailable (HTTP 503) with what to do about them."""
    try:
        yield
    except ModelBusy as exc:
        logger.warning("Model busy: %s", exc)
        raise ModelUnavailable(
            _("The model is busy (%(why)s); try again in a moment.") % {"why": exc}
        ) from exc
    except VersionNotInstalled as exc:  # its own line is in the log already
        raise ModelUnavailable(str(exc)) from exc
    except ArtifactError as exc:
        logger.error("Prediction impossible: %s", exc)
        raise ModelUnavailable(
            _("The model is not available. %(help)s") % {"help": NO_MODEL_HELP}
        ) from exc


def active_predictor() -> Predictor:
    """The active model, its card read (ModelUnavailable when there is none)."""
    with model_errors():
        predictor = current_predictor()
        predictor.card  # noqa: B018 - reading the card is the check
    return predictor


def predict(predictor: Predictor, pictures: Sequence[Image.Image]) -> list[Prediction]:
    """One forward pass for ``pictures`` (grayscale, any size)."""
    with model_errors():
        return predictor.predict_arrays(
            [predictor.prepare(picture) for picture in pictures],
            timeout=settings.PNEUMO_PREDICT_TIMEOUT,
        )


def saliency(predictor: Predictor, picture: Image.Image, *, towards_pneumonia: bool) -> SaliencyMap:
    """The occlusion map of ``picture`` for the scan's verdict."""
    with model_errors():
        return predictor.saliency(
            predictor.prepare(picture),
            towards_pneumonia=towards_pneumonia,
            timeout=settings.PNEUMO_PREDICT_TIMEOUT,
        )


def stored_picture(scan: Scan) -> Image.Image:
    """The scan's stored display copy, decoded under an upload's limits."""
    with scan.image.open("rb") as handle:
        return decode_upload(handle.read(), limits=upload_limits()).image


def verdict_fields(prediction: Prediction) -> dict:
    """The Scan fields that hold what the model said (no verdict when not recognised)."""
    return {
        "status": Scan.Status.PREDICTED if prediction.recognised else Scan.Status.NOT_RECOGNISED,
        "predicted_class": prediction.predicted_class or "",
        "pneumonia_probability": prediction.pneumonia_probability
        if prediction.recognised
        else None,
        "threshold": prediction.threshold,
        "band_low": prediction.band_low,
        "band_high": prediction.band_high,
        "model_version": prediction.model_version,
        "ood_score": prediction.ood_score,
    }
