"""Bytes -> model-ready array.

One decoding path for training, evaluation and the web app, so that what a model is
evaluated on is exactly what users get. Anything that cannot be read raises
:class:`ImageError` with a message fit to show to the person who uploaded the file.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from mlcore.decode.codestream import CodestreamError, jpeg_header
from mlcore.decode.dicom import (
    DicomError,
    DicomOptions,
    block_reduce,
    is_dicom,
    render_dicom,
    stretch_to_8_bits,
)
from mlcore.decode.sandbox import SandboxLimit, run_limited
from mlcore.errors import ImageError, gettext_noop

# Formats accepted by content, never by file name or Content-Type.
ACCEPTED_FORMATS = ("JPEG", "PNG")
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_ASPECT_RATIO = 4.0
DEFAULT_MAX_DECODE_BYTES = 256 * 1024 * 1024
DEFAULT_MAX_JPEG_SCANS = 100
DEFAULT_DECODE_MEMORY_BYTES = 1024 * 1024 * 1024
DEFAULT_DECODE_SECONDS = 10.0
MIN_SIDE = 64
HIGH_BIT_MODES = {"I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
# EXIF orientations that turn the image a quarter: the upright width is the stored height.
QUARTER_TURNS = {5, 6, 7, 8}
MAX_DRAFT_SCALE = 8  # JPEG draft mode decodes at 1/1, 1/2, 1/4 or 1/8 scale


@dataclass
class DecodedUpload:
    """An upload made upright 8-bit grayscale, with what is worth keeping about its source.

    ``size`` is the upright size of the source; ``image`` may be smaller (reduced by a whole
    factor while decoding, see ``draft_size``). ``model_image``: the picture for the model,
    what decoding at the model's size gives (see ``model_size``); ``image`` unless that
    differs. ``patient_key``: a DICOM's keyed patient pseudonym
    (:func:`mlcore.decode.dicom_tags.patient_key`), empty without a secret or PatientID.
    """

    image: Image.Image
    source_format: str
    tags: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    size: tuple[int, int] | None = None
    patient_key: str = ""
    model_image: Image.Image | None = None

    def __post_init__(self) -> None:
        if self.size is None:
            self.size = self.image.size
        if self.model_image is None:
            self.model_image = self.image


@dataclass(frozen=True)
class Limits:
    """What one upload may cost: pixels, shape, decoded bytes, JPEG scans, and for the
    child process that decodes DICOM files, its memory and time."""

    max_pixels: int = DEFAULT_MAX_PIXELS
    max_aspect_ratio: float = DEFAULT_MAX_ASPECT_RATIO
    max_decode_bytes: int = DEFAULT_MAX_DECODE_BYTES
    max_jpeg_scans: int = DEFAULT_MAX_JPEG_SCANS
    decode_memory_bytes: int = DEFAULT_DECODE_MEMORY_BYTES
    decode_seconds: float = DEFAULT_DECODE_SECONDS
    accept_burned_in: bool = False

    def check(self, width: int, height: int) -> None:
        """Raise ImageError for images too large, too small or absurdly shaped."""
        if width * height > self.max_pixels:
            raise ImageError(
                gettext_noop(
                    "The image is %(width)dx%(height)d pixels, more than the limit of "
                    "%(limit)s pixels."
                ),
                width=width,
                height=height,
                limit=f"{self.max_pixels:,}",
            )
        if min(width, height) < MIN_SIDE:
            raise ImageError(
                gettext_noop(
                    "The image is only %(width)dx%(height)d pixels; at least "
                    "%(min)dx%(min)d is needed."
                ),
                width=width,
                height=height,
                min=MIN_SIDE,
            )
        if max(width, height) / min(width, height) > self.max_aspect_ratio:
            raise ImageError(
                gettext_noop(
                    "The image is %(width)dx%(height)d pixels: a chest X-ray is not more than "
                    "%(ratio)s times wider than high or the other way round."
                ),
                width=width,
                height=height,
                ratio=f"{self.max_aspect_ratio:g}",
            )

    def check_decoded_bytes(self, decoded_bytes: int) -> None:
        if decoded_bytes > self.max_decode_bytes:
            raise ImageError(
                gettext_noop(
                    "Decoding the image would take %(needed)s MB of memory, more than the limit "
                    "of %(limit)s MB."
                ),
                needed=f"{decoded_bytes / 1e6:,.0f}",
                limit=f"{self.max_decode_bytes / 1e6:,.0f}",
            )

    def dicom_options(
        self, draft_size: int | None, patient_key_secret: bytes | None = None
    ) -> DicomOptions:
        return DicomOptions(
            max_pixels=self.max_pixels,
            max_decode_bytes=self.max_decode_bytes,
            max_jpeg_scans=self.max_jpeg_scans,
            accept_burned_in=self.accept_burned_in,
            draft_size=draft_size,
            patient_key_secret=patient_key_secret,
        )


DEFAULT_LIMITS = Limits()


def decode_upload(
    data: bytes,
    *,
    limits: Limits = DEFAULT_LIMITS,
    draft_size: int | None = None,
    model_size: int | None = None,
    patient_key_secret: bytes | None = None,
) -> DecodedUpload:
    """Decode JPEG, PNG or DICOM bytes (recognised by content) for display and prediction.

    ``draft_size``: the image may be reduced by a whole factor while decoding (JPEG draft
    mode, block means for high-bit PNG and DICOM) as long as both sides stay that large.
    ``model_size`` (at most ``draft_size``): a JPEG's ``model_image`` is then what decoding
    at ``draft_size=model_size`` gives, as training and evaluation decode; for a large
    radiograph made from this one decode (see :func:`_jpeg_at_model_size`).
    Multi-frame inputs (animated PNG, multi-frame DICOM) give their first frame, with a note.
    ``patient_key_secret``: a DICOM's PatientID becomes a keyed pseudonym (none without it).
    """
    if not data:
        raise ImageError(gettext_noop("The file is empty."))
    if is_dicom(data):
        options = limits.dicom_options(draft_size, patient_key_secret)
        return _decode_dicom(data, limits=limits, options=options)
    return _decode_with_pillow(data, limits=limits, draft_size=draft_size, model_size=model_size)


def model_picture(data: bytes, size: int, *, limits: Limits = DEFAULT_LIMITS) -> Image.Image:
    """The picture the model gets of an upload: decoded at the model's ``size`` (JPEG draft
    mode), as for training and evaluation. The web app makes the same of a JPEG or 8-bit
    PNG from its one decode at display size (see ``model_size``); a 16-bit PNG or DICOM it
    block-reduces for display size only, a slightly different picture."""
    return decode_upload(data, limits=limits, draft_size=size).image


def _decode_dicom(data: bytes, *, limits: Limits, options: DicomOptions) -> DecodedUpload:
    """Render in a child process: pydicom's decoders are bounded there, not only checked."""
    try:
        rendered = run_limited(
            render_dicom,
            data,
            options,
            memory_bytes=limits.decode_memory_bytes,
            seconds=limits.decode_seconds,
        )
    except DicomError as exc:
        raise ImageError(exc.template, **exc.params) from None
    except SandboxLimit as exc:
        if exc.kind == "memory":
            raise ImageError(
                gettext_noop(
                    "Decoding the DICOM image took more than %(limit)s MB of memory, the limit "
                    "for one upload; the file is damaged or not a plain radiograph."
                ),
                limit=f"{limits.decode_memory_bytes / 1e6:,.0f}",
            ) from None
        raise ImageError(
            gettext_noop(
                "Decoding the DICOM image took more than %(limit)s s, the limit for one "
                "upload; the file is damaged or not a plain radiograph."
            ),
            limit=f"{limits.decode_seconds:g}",
        ) from None
    limits.check(*rendered.size)
    return DecodedUpload(
        rendered.image,
        "DICOM",
        rendered.tags,
        rendered.notes,
        rendered.size,
        patient_key=rendered.patient_key,
    )


def _decode_with_pillow(
    data: bytes, *, limits: Limits, draft_size: int | None, model_size: int | None
) -> DecodedUpload:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            source_format = image.format
            if source_format not in ACCEPTED_FORMATS:
                raise ImageError(
                    gettext_noop(
                        "Unsupported image format %(format)s: upload a JPEG, PNG or DICOM file."
                    ),
                    format=source_format,
                )
            limits.check(*image.size)
            _check_decoding_cost(data, image, limits)
            notes = []
            if getattr(image, "n_frames", 1) > 1:
                notes.append(f"Animated image ({image.n_frames} frames): the first frame was used.")
            image, model_image, size = _load_upright(image, data, draft_size, model_size)
            image = _reduced_grayscale(image, draft_size)
            model_image = (
                image if model_image is None else _reduced_grayscale(model_image, model_size)
            )
    except ImageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageError(
            gettext_noop("The image has more pixels than the limit of %(limit)s pixels."),
            limit=f"{limits.max_pixels:,}",
        ) from None
    except UnidentifiedImageError:
        raise ImageError(
            gettext_noop("The file is not a readable JPEG, PNG or DICOM image.")
        ) from None
    except MemoryError:
        raise
    except Exception as exc:  # any decoder failure is a damaged upload
        raise ImageError(
            gettext_noop("The image file is damaged or truncated (%(why)s)."), why=str(exc)
        ) from None
    return DecodedUpload(image, source_format, notes=notes, size=size, model_image=model_image)


def _load_upright(
    image: Image.Image, data: bytes, draft_size: int | None, model_size: int | None
) -> tuple[Image.Image, Image.Image | None, tuple[int, int]]:
    """The opened image decoded (a JPEG in draft mode for ``draft_size``) and made upright;
    the JPEG's picture at ``model_size`` where it is smaller (else None); the source's
    upright size."""
    source_size = image.size  # before a draft shrinks it
    jpeg = image.format == "JPEG"
    scale = _draft(image, draft_size) if draft_size and jpeg else 1
    image.load()
    quarter_turn = image.getexif().get(ExifTags.Base.Orientation) in QUARTER_TURNS
    size = source_size[::-1] if quarter_turn else source_size
    model_image = (
        _jpeg_at_model_size(data, model_size, image, scale) if model_size and jpeg else None
    )
    return ImageOps.exif_transpose(image), model_image, size


def _jpeg_at_model_size(
    data: bytes, model_size: int, decoded: Image.Image, scale: int
) -> Image.Image | None:
    """What decoding the JPEG at ``model_size`` gives, upright, where that is smaller than
    ``decoded`` (drafted by ``scale``); else None.

    A 1/8 draft holds the 8x8 blocks' means, which box means of the larger decode give
    within a few gray levels (python -m bench.decode_parity measures how close), without
    decoding again; a 1/2 or 1/4 draft (an image under 8 times the model's size) is decoded
    again, small.
    """
    with Image.open(io.BytesIO(data)) as header:
        model_scale = _draft(header, model_size)
        if model_scale <= scale:
            return None
        if model_scale < MAX_DRAFT_SCALE:
            return ImageOps.exif_transpose(header)  # decoded here, while open
    smaller = decoded.reduce(model_scale // scale)  # on the decoder's block grid, unturned
    smaller.info = dict(decoded.info)  # the same orientation
    return ImageOps.exif_transpose(smaller)


def _draft(image: Image.Image, size: int) -> int:
    """Put a JPEG in draft mode for ``size`` (grayscale, reduced by 1, 2, 4 or 8 while both
    sides stay at least ``size``); the factor."""
    width = image.width
    drafted = image.draft("L", (size, size))
    return 1 if drafted is None else round(width / drafted[1][2])


def _check_decoding_cost(data: bytes, image: Image.Image, limits: Limits) -> None:
    """Refuse before decoding what would cost more memory or time than the limits allow."""
    bytes_per_sample = 2 if image.mode in HIGH_BIT_MODES else 1
    samples = len(image.getbands())
    limits.check_decoded_bytes(image.width * image.height * samples * bytes_per_sample)
    if image.format == "JPEG":
        try:
            header = jpeg_header(data)
        except CodestreamError as exc:
            raise ImageError(
                gettext_noop("The image file is damaged: %(why)s"), why=str(exc)
            ) from None
        if header.scans > limits.max_jpeg_scans:
            raise ImageError(
                gettext_noop(
                    "The JPEG has %(scans)s scans (progressive passes); more than %(most)d is "
                    "not a real image and would take minutes to decode."
                ),
                scans=f"{header.scans:,}",
                most=limits.max_jpeg_scans,
            )
        limits.check_decoded_bytes(header.decoded_bytes)


def _reduced_grayscale(image: Image.Image, draft_size: int | None) -> Image.Image:
    """Grayscale; a high-bit image is first reduced by a whole factor while both sides stay
    >= ``draft_size``, so that its float copy is small (8-bit images need no float copy)."""
    if image.mode in HIGH_BIT_MODES:
        return stretch_to_8_bits(block_reduce(np.asarray(image), draft_size))
    return to_grayscale(image)


def to_grayscale(image: Image.Image) -> Image.Image:
    """Any Pillow mode (L, RGB, RGBA, P, CMYK, I;16, F, ...) -> 8-bit grayscale."""
    if image.mode == "L":
        return image
    if image.mode in HIGH_BIT_MODES:
        # Pillow's own conversion clips 16-bit values at 255; stretch the range instead.
        return stretch_to_8_bits(np.asarray(image, dtype=np.float32))
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (0, 0, 0, 255))
        image = Image.alpha_composite(background, image)
    return image.convert("RGB").convert("L")
