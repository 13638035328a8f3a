"""DICOM -> grayscale image, keeping only non-identifying technical tags.

Rendering follows the standard pipeline: Modality LUT (rescale slope/intercept), VOI LUT
(window centre/width or a LUT sequence) when present, MONOCHROME1 inverted so that bone is
bright, then stretched to 8 bits. Compressed transfer syntaxes decode with the handlers
installed (pydicom's own RLE, Pillow for JPEG baseline/extended and JPEG 2000); any other
gets an error naming the syntax. No patient identifier leaves this module: only the
whitelisted tags and, with a site secret, a keyed pseudonym of PatientID
(:mod:`mlcore.decode.dicom_tags`).

What the decoders will allocate is checked before they run: the declared frames x pixels x
bytes per sample against a budget, the compressed frame's own header (which may disagree
with Rows/Columns), a deflated dataset inflated piece by piece up to a cap. Only the first
frame is decoded, and it is reduced by a whole factor before the LUTs run in float32, so a
40-megapixel 16-bit radiograph costs about twice its raw size, not ten times. Everything
here raises :class:`DicomError` with a message for the uploader; callers run it in a child
process (mlcore.decode.sandbox) as a second line against what a library does that no check sees.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image

from mlcore.decode.codestream import CodestreamError, FrameHeader, frame_header
from mlcore.decode.dicom_tags import kept_tags, patient_key
from mlcore.errors import MlcoreError, gettext_noop

DICOM_MAGIC_OFFSET = 128
DICOM_MAGIC = b"DICM"
MAX_TAG_LENGTH = 64
INFLATE_CHUNK = 1 << 20
BITS_ALLOCATED = (8, 16, 32)
# What may be decoded: native, deflated and RLE pixels (their size is the header's), and
# the compressed syntaxes whose frame headers codestream.frame_header reads (JPEG SOF,
# JPEG 2000 SIZ). Anything else, JPEG-LS and JPEG Lossless included, is refused by name.
TRANSFER_SYNTAXES = {
    "1.2.840.10008.1.2": "Implicit VR Little Endian",
    "1.2.840.10008.1.2.1": "Explicit VR Little Endian",
    "1.2.840.10008.1.2.1.99": "Deflated Explicit VR Little Endian",
    "1.2.840.10008.1.2.2": "Explicit VR Big Endian",
    "1.2.840.10008.1.2.5": "RLE Lossless",
    "1.2.840.10008.1.2.4.50": "JPEG Baseline (Process 1)",
    "1.2.840.10008.1.2.4.51": "JPEG Extended (Process 2 and 4)",
    "1.2.840.10008.1.2.4.90": "JPEG 2000 Image Compression (Lossless Only)",
    "1.2.840.10008.1.2.4.91": "JPEG 2000 Image Compression",
}


class DicomError(MlcoreError, ValueError):
    """The DICOM file cannot be rendered here; the message says why, for the uploader."""


@dataclass(frozen=True)
class DicomOptions:
    """What a DICOM upload may cost and contain."""

    max_pixels: int
    max_decode_bytes: int
    max_jpeg_scans: int
    accept_burned_in: bool = False
    # Reduce the rendered frame by a whole factor while both sides stay >= this (None: keep)
    draft_size: int | None = None
    # Site secret for the patient key (mlcore.decode.dicom_tags.patient_key); None: no key
    patient_key_secret: bytes | None = None


@dataclass
class RenderedDicom:
    image: Image.Image
    size: tuple[int, int]
    tags: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    patient_key: str = ""


def is_dicom(data: bytes) -> bool:
    return data[DICOM_MAGIC_OFFSET : DICOM_MAGIC_OFFSET + 4] == DICOM_MAGIC


def render_dicom(data: bytes, options: DicomOptions) -> RenderedDicom:
    """Decode a DICOM file's first frame within ``options``; raise DicomError if impossible.

    pydicom's warnings quote header values (a name in the wrong field, say): they are not
    let out, and no message here quotes one either.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _render(data, options)
    except DicomError:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # any decoder failure is a malformed upload
        raise DicomError(
            gettext_noop("The DICOM file is malformed (%(why)s)."), why=_describe(exc)
        ) from None


def _render(data: bytes, options: DicomOptions) -> RenderedDicom:
    from pydicom.pixels import pixel_array

    dataset = _read_dataset(data, options.max_decode_bytes)
    if "PixelData" not in dataset:
        raise DicomError(gettext_noop("The DICOM file holds no image (no Pixel Data)."))
    if str(dataset.get("BurnedInAnnotation", "")).upper() == "YES" and not options.accept_burned_in:
        raise DicomError(
            gettext_noop(
                "The DICOM file declares burned-in annotation (text such as a name drawn into "
                "the image); it is refused so that no identifier is stored. Upload an image "
                "without annotation."
            )
        )
    syntax = dataset.file_meta.TransferSyntaxUID
    _check_decoder(syntax)
    frames = _check_geometry(dataset, options)
    pixels = pixel_array(dataset, index=0)
    notes = [f"Multi-frame DICOM ({frames} frames): the first frame was used."] * (frames > 1)
    image = _to_grayscale(pixels, dataset, options.draft_size)
    tags = kept_tags(dataset)
    tags["TransferSyntax"] = _syntax_name(syntax)
    size = (int(dataset.Columns), int(dataset.Rows))
    key = patient_key(dataset, options.patient_key_secret)
    return RenderedDicom(image=image, size=size, tags=tags, notes=notes, patient_key=key)


def decodable_transfer_syntaxes() -> tuple[str, ...]:
    """The transfer syntaxes this decoder reads: an explicit list, whose compressed ones
    the codestream checks can bound before decoding (mlcore.decode.codestream), and each
    with a decoder installed. A decoder a package brings along (pyjpegls gives pydicom a
    JPEG-LS decoder) adds nothing here: its codestreams would go unchecked."""
    from pydicom.pixels import get_decoder
    from pydicom.uid import UID

    readable = []
    for uid in TRANSFER_SYNTAXES:
        syntax = UID(uid)
        try:
            if not syntax.is_compressed or get_decoder(syntax).is_available:
                readable.append(uid)
        except NotImplementedError:
            continue
    return tuple(readable)


def _check_decoder(syntax) -> None:
    if str(syntax) not in decodable_transfer_syntaxes():
        raise DicomError(
            gettext_noop(
                "The DICOM transfer syntax %(syntax)s cannot be decoded here; export the image "
                "uncompressed, as RLE, JPEG baseline or JPEG 2000."
            ),
            syntax=_syntax_name(syntax),
        )


def _read_dataset(data: bytes, max_bytes: int):
    """Parse the file; a deflated dataset is inflated piece by piece, never past ``max_bytes``."""
    import pydicom
    from pydicom.dataset import FileDataset
    from pydicom.errors import InvalidDicomError
    from pydicom.filereader import _read_file_meta_info, read_dataset, read_preamble
    from pydicom.uid import DeflatedExplicitVRLittleEndian

    try:
        stream = io.BytesIO(data)
        preamble = read_preamble(stream, False)
        meta = _read_file_meta_info(stream)
        if meta.get("TransferSyntaxUID") is None:
            raise DicomError(gettext_noop("The DICOM file names no transfer syntax (0002,0010)."))
        if meta.TransferSyntaxUID != DeflatedExplicitVRLittleEndian:
            return pydicom.dcmread(io.BytesIO(data))
        inflated = io.BytesIO(_inflate(data[stream.tell() :], max_bytes))
        dataset = read_dataset(inflated, is_implicit_VR=False, is_little_endian=True)
        return FileDataset(io.BytesIO(), dataset, preamble, meta, False, True)
    except (InvalidDicomError, EOFError, OSError, struct.error) as exc:
        raise DicomError(
            gettext_noop("The DICOM file cannot be read (%(why)s)."), why=_describe(exc)
        ) from None


def _inflate(compressed: bytes, max_bytes: int) -> bytes:
    """Raw-deflate ``compressed``, refusing as soon as the output would pass ``max_bytes``."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    pieces: list[bytes] = []
    produced = 0
    pending = compressed
    while pending and not inflater.eof:
        piece = inflater.decompress(pending, INFLATE_CHUNK)
        produced += len(piece)
        if produced > max_bytes:
            raise DicomError(
                gettext_noop(
                    "The deflated DICOM data inflates to more than %(limit)s MB, the limit "
                    "for one upload."
                ),
                limit=f"{max_bytes / 1e6:.0f}",
            )
        pieces.append(piece)
        pending = inflater.unconsumed_tail
    return b"".join(pieces)


def _count(dataset, name: str, default: int | None = None) -> int:
    """A whole, single, non-negative number from the header, or a DicomError naming it."""
    value = dataset.get(name, default)
    if value is None:
        raise DicomError(gettext_noop("The DICOM header has no %(name)s."), name=name)
    if isinstance(value, list | tuple) or type(value).__name__ == "MultiValue":
        raise DicomError(
            gettext_noop("The DICOM header's %(name)s has several values; one is expected."),
            name=name,
        )
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DicomError(
            gettext_noop("The DICOM header's %(name)s is not a number."), name=name
        ) from None
    if number < 0:
        raise DicomError(gettext_noop("The DICOM header's %(name)s is negative."), name=name)
    return number


def _check_geometry(dataset, options: DicomOptions) -> int:
    """Check what decoding will allocate against the budget; return the number of frames."""
    rows, columns = _count(dataset, "Rows"), _count(dataset, "Columns")
    samples = _count(dataset, "SamplesPerPixel", 1)
    bits = _count(dataset, "BitsAllocated", 16)
    frames = _count(dataset, "NumberOfFrames", 1) or 1
    if not rows or not columns or samples not in (1, 3) or bits not in BITS_ALLOCATED:
        raise DicomError(
            f"The DICOM header describes {columns}x{rows} pixels of {samples} samples at "
            f"{bits} bits, which is not an image this site reads."
        )
    if rows * columns > options.max_pixels:
        raise DicomError(
            gettext_noop(
                "The image is %(width)dx%(height)d pixels, more than the limit of %(limit)s pixels."
            ),
            width=columns,
            height=rows,
            limit=f"{options.max_pixels:,}",
        )
    _check_budget(frames * rows * columns * samples * bits // 8, options, f"{frames} frame(s)")
    if dataset.file_meta.TransferSyntaxUID.is_encapsulated:
        _check_first_frame(dataset, frames, (columns, rows), options)
    return frames


def _check_budget(decoded_bytes: int, options: DicomOptions, what: str) -> None:
    if decoded_bytes > options.max_decode_bytes:
        raise DicomError(
            gettext_noop(
                "Decoding the DICOM image (%(what)s) would take %(needed)s MB of memory, more "
                "than the limit of %(limit)s MB."
            ),
            what=what,
            needed=f"{decoded_bytes / 1e6:,.0f}",
            limit=f"{options.max_decode_bytes / 1e6:,.0f}",
        )


def _check_first_frame(dataset, frames: int, size: tuple[int, int], options: DicomOptions):
    """The compressed frame's own header must agree with Rows/Columns and fit the budget."""
    from pydicom.encaps import get_frame

    frame = get_frame(dataset.PixelData, 0, number_of_frames=frames)
    try:
        header = frame_header(bytes(frame))
    except CodestreamError as exc:
        raise DicomError(f"The DICOM image's compressed frame is malformed: {exc}") from None
    if header is None:
        return
    if header.scans > options.max_jpeg_scans:
        raise DicomError(_too_many_scans(header, options.max_jpeg_scans))
    if (header.width, header.height) != size:
        raise DicomError(
            f"The DICOM image's compressed frame is {header.width}x{header.height} pixels "
            f"but its header says {size[0]}x{size[1]}; the file is inconsistent."
        )
    _check_budget(header.decoded_bytes, options, "its compressed frame")


def _too_many_scans(header: FrameHeader, limit: int) -> str:
    return (
        f"The JPEG data has {header.scans:,} scans (progressive passes); more than {limit} "
        "is not a real image and would take minutes to decode."
    )


def _to_grayscale(pixels: np.ndarray, dataset, draft_size: int | None) -> Image.Image:
    """One frame -> 8-bit grayscale: reduce, Modality and VOI LUTs, MONOCHROME1 inverted."""
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    if pixels.ndim == 3:  # colour samples: luminance
        luminance = np.array([0.299, 0.587, 0.114], dtype=np.float32)
        pixels = pixels[..., :3].astype(np.float32) @ luminance
        values = block_reduce(pixels, draft_size)
    else:
        reduced = block_reduce(pixels, draft_size)
        if "ModalityLUTSequence" in dataset or "VOILUTSequence" in dataset:
            reduced = reduced.round().astype(pixels.dtype)  # LUTs index by stored value
        values = apply_voi_lut(apply_modality_lut(reduced, dataset), dataset)
    values = np.asarray(values, dtype=np.float32)
    if dataset.get("PhotometricInterpretation") == "MONOCHROME1":
        values = values.max() - values
    return stretch_to_8_bits(values)


def block_reduce(pixels: np.ndarray, draft_size: int | None) -> np.ndarray:
    """Mean over square blocks of a whole factor that keeps both sides >= ``draft_size``.

    The mean is taken in float32 straight from the stored integers: no full-size float
    copy of a large radiograph is ever made.
    """
    factor = min(pixels.shape[:2]) // draft_size if draft_size else 1
    if factor <= 1:
        return pixels.astype(np.float32)
    rows, columns = (side // factor for side in pixels.shape[:2])
    blocks = pixels[: rows * factor, : columns * factor].reshape(rows, factor, columns, factor)
    return blocks.mean(axis=(1, 3), dtype=np.float32)


def stretch_to_8_bits(values: np.ndarray) -> Image.Image:
    """Map the array's range onto 0..255 (a flat image becomes black)."""
    low, high = float(values.min()), float(values.max())
    if not math.isfinite(low) or not math.isfinite(high):
        raise DicomError("The DICOM image's values are not finite numbers.")
    scale = 255.0 / (high - low) if high > low else 0.0
    return Image.fromarray(((values - low) * scale).round().astype(np.uint8), mode="L")


def _syntax_name(syntax: Any) -> str:
    name = str(getattr(syntax, "name", syntax))
    return "".join(ch for ch in name if ch.isprintable())[:MAX_TAG_LENGTH]


def _describe(exc: BaseException) -> str:
    """What kind of failure, without its text: a library's message may quote the header."""
    return exc.__class__.__name__
