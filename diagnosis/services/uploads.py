"""Uploads: validate, decode, one forward pass, store. The web form, the API and the
review import all come here; every upload rule lives in this module."""

from __future__ import annotations

import hashlib
import logging
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image

from accounts import audit
from diagnosis.errors import UploadRejected
from diagnosis.models import Scan
from diagnosis.services._scoring import active_predictor, predict, upload_limits, verdict_fields
from diagnosis.services.storage import delete_stored, save_pictures, stored_size
from mlcore.decode.pictures import reduced_copy
from mlcore.decode.upload import DecodedUpload, decode_upload
from mlcore.errors import ImageError, translated
from mlcore.model.inference import Prediction

logger = logging.getLogger(__name__)

MAX_DISPLAY_NAME = 255
# The stored copies of an upload are encoded and written here while the model runs
# (Pillow and TensorFlow release the GIL), on the core a worker's TensorFlow thread leaves
# (what they cost: python -m bench.upload_costs).
_COPIES = ThreadPoolExecutor(max_workers=2, thread_name_prefix="stored-copies")


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


def megabytes(size: float) -> str:
    """A size as every message, page and doc says it: decimal megabytes, "25 MB", "26.2 MB"
    (the upload script says it the same way)."""
    return f"{size / 1e6:.1f}".removesuffix(".0") + " MB"


def _read_upload(uploaded_file: UploadedFile) -> bytes:
    limit = settings.PNEUMO_MAX_UPLOAD_BYTES
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise UploadRejected(
            _("The file is %(size)s; the limit is %(limit)s a file.")
            % {"size": megabytes(uploaded_file.size), "limit": megabytes(limit)}
        )
    uploaded_file.seek(0)
    data = uploaded_file.read(limit + 1)
    if not data:
        raise UploadRejected(_("The file is empty."))
    if len(data) > limit:
        raise UploadRejected(
            _("The file is larger than the limit of %(limit)s a file.")
            % {"limit": megabytes(limit)}
        )
    return data


def patient_key_secret() -> bytes | None:
    """The site secret for DICOM patient keys, or None when the feature is off."""
    return settings.PNEUMO_PATIENT_KEY_SECRET.encode() or None


@dataclass(frozen=True)
class Origin:
    """How an upload came: the page or the API, or a PACS (with its calling AE title)."""

    source: str = Scan.Source.UPLOAD
    ae: str = ""

    def describe(self) -> str:
        """For the audit trail: where a scan came from other than an upload."""
        if self.source == Scan.Source.UPLOAD:
            return ""
        return f"from {self.source} {self.ae}".strip()


@dataclass
class RejectedFile:
    filename: str
    detail: str


@dataclass
class DuplicateFile:
    """A file whose content the owner uploaded before: not analysed again."""

    filename: str
    scan: Scan  # the owner's earlier scan of the same content


@dataclass
class BatchResult:
    scans: list[Scan] = field(default_factory=list)
    rejected: list[RejectedFile] = field(default_factory=list)
    duplicates: list[DuplicateFile] = field(default_factory=list)


@dataclass(frozen=True)
class UploadLimits:
    """What one request may bring, in words for the upload form and the errors."""

    files: int
    file_bytes: int
    batch_bytes: int

    @classmethod
    def from_settings(cls) -> UploadLimits:
        return cls(
            files=settings.PNEUMO_MAX_BATCH_FILES,
            file_bytes=settings.PNEUMO_MAX_UPLOAD_BYTES,
            batch_bytes=settings.PNEUMO_MAX_BATCH_BYTES,
        )

    def describe(self) -> str:
        return _("Up to %(files)d files at once, %(file)s each and %(batch)s in all.") % {
            "files": self.files,
            "file": megabytes(self.file_bytes),
            "batch": megabytes(self.batch_bytes),
        }


def too_many_files(sent: int | None = None) -> UploadRejected:
    """The error for a request with more files than one batch may hold (``sent``: how many
    came, when known: the request parser stops counting at the limit)."""
    limit = {"sent": sent, "most": settings.PNEUMO_MAX_BATCH_FILES}
    if sent:
        return UploadRejected(
            _(
                "%(sent)d files were sent; at most %(most)d files can be analysed at once; "
                "send the others in another upload."
            )
            % limit
        )
    return UploadRejected(
        _("At most %(most)d files can be analysed at once; send the others in another upload.")
        % limit
    )


def _check_batch(uploaded_files: Sequence[UploadedFile]) -> None:
    if not uploaded_files:
        raise UploadRejected(_("No file was submitted."))
    if len(uploaded_files) > settings.PNEUMO_MAX_BATCH_FILES:
        raise too_many_files(len(uploaded_files))
    total = sum(upload.size or 0 for upload in uploaded_files)
    if total > settings.PNEUMO_MAX_BATCH_BYTES:
        raise UploadRejected(
            _("The files add up to %(total)s; the limit is %(limit)s an upload.")
            % {"total": megabytes(total), "limit": megabytes(settings.PNEUMO_MAX_BATCH_BYTES)}
        )


@dataclass
class _Decoded:
    upload: UploadedFile
    decoded: DecodedUpload
    sha256: str


def _earlier_scan(owner: AbstractBaseUser, sha256: str) -> Scan | None:
    return Scan.objects.filter(owner=owner, content_sha256=sha256).order_by("pk").first()


def _decode_batch(
    owner: AbstractBaseUser,
    uploaded_files: Sequence[UploadedFile],
    decode: Callable[[bytes], DecodedUpload],
    result: BatchResult,
    reanalyse: bool,
) -> tuple[list[_Decoded], list[tuple[str, str]]]:
    """The files to analyse, each ``decode``d; rejected files and earlier uploads go into
    ``result``, and repeats within this request come back as (file name, hash) to point at
    their twin."""
    accepted: list[_Decoded] = []
    repeats: list[tuple[str, str]] = []
    pixels_left = settings.PNEUMO_MAX_BATCH_PIXELS
    for upload in uploaded_files:
        name = display_filename(upload.name)
        try:
            if pixels_left <= 0:
                raise UploadRejected(
                    _(
                        "Not analysed: the images before it in this request used up the "
                        "%(megapixels)s megapixels one request may decode; send it in another "
                        "request."
                    )
                    % {"megapixels": f"{settings.PNEUMO_MAX_BATCH_PIXELS / 1e6:,.0f}"}
                )
            data = _read_upload(upload)
            sha256 = hashlib.sha256(data).hexdigest()
            if not reanalyse and any(item.sha256 == sha256 for item in accepted):
                repeats.append((name, sha256))
                continue
            if not reanalyse and (earlier := _earlier_scan(owner, sha256)):
                result.duplicates.append(DuplicateFile(name, earlier))
                continue
            decoded = decode(data)
        except UploadRejected as exc:
            result.rejected.append(RejectedFile(name, str(exc)))
        except ImageError as exc:  # mlcore speaks English: the user's language here
            result.rejected.append(RejectedFile(name, translated(exc, _)))
        else:
            pixels_left -= decoded.size[0] * decoded.size[1]
            accepted.append(_Decoded(upload, decoded, sha256))
    return accepted, repeats


def scan_create_many(
    *,
    owner: AbstractBaseUser,
    uploaded_files: Sequence[UploadedFile],
    reanalyse: bool = False,
    origin: Origin | None = None,
) -> BatchResult:
    """Analyse several uploads in one forward pass; each file succeeds or fails on its own.
    A file whose content the owner uploaded before is not analysed again (it is reported
    in ``duplicates`` with the earlier scan) unless ``reanalyse``."""
    predictor = active_predictor()
    _check_batch(uploaded_files)
    model_size = predictor.card.input_size
    decode = partial(
        decode_upload,
        limits=upload_limits(),
        # JPEGs decode at 1/2, 1/4 or 1/8 scale while staying large enough for the display
        # copy; the model's picture comes from the same decode (see decode_upload)
        draft_size=max(settings.PNEUMO_DISPLAY_SIZE // 2, model_size),
        model_size=model_size,
        patient_key_secret=patient_key_secret(),
    )
    result = BatchResult()
    accepted, repeats = _decode_batch(owner, uploaded_files, decode, result, reanalyse)
    if not accepted:
        return result
    copies = [_COPIES.submit(_write_copies, item.decoded.image) for item in accepted]
    try:
        predictions = predict(predictor, [item.decoded.model_image for item in accepted])
        for item, prediction, files in zip(accepted, predictions, copies, strict=True):
            scan = _store_scan(owner, item, prediction, files.result(), origin or Origin())
            result.scans.append(scan)
    except BaseException:
        _discard_copies(copies[len(result.scans) :])  # no stored scan refers to them
        raise
    stored = {scan.content_sha256: scan for scan in result.scans}
    result.duplicates += [DuplicateFile(name, stored[sha256]) for name, sha256 in repeats]
    return result


def scan_upload(
    *,
    owner: AbstractBaseUser,
    uploaded_file: UploadedFile,
    reanalyse: bool = False,
    origin: Origin | None = None,
) -> tuple[Scan, bool]:
    """One upload: (the new scan, False), or (the owner's earlier scan of the same content,
    True) without running the model, unless ``reanalyse``. All or nothing."""
    result = scan_create_many(
        owner=owner, uploaded_files=[uploaded_file], reanalyse=reanalyse, origin=origin
    )
    if result.rejected:
        raise UploadRejected(result.rejected[0].detail)
    if result.duplicates:
        return result.duplicates[0].scan, True
    return result.scans[0], False


def _write_copies(image: Image.Image) -> dict[str, str]:
    """The display copy and thumbnail to keep, fresh JPEGs of the decoded pixels, written
    under server-made names: {field: stored name}."""
    display = reduced_copy(image, settings.PNEUMO_DISPLAY_SIZE)
    thumbnail = reduced_copy(display, settings.PNEUMO_THUMBNAIL_SIZE)
    pictures = {"image": display, "thumbnail": thumbnail}
    return save_pictures(f"scans/{uuid.uuid4().hex}", pictures, "JPEG")


def _discard_copies(copies: Sequence[Future[dict[str, str]]]) -> None:
    for written in copies:
        try:
            names = written.result()
        except Exception:
            continue
        delete_stored(names.values())


def _store_scan(
    owner: AbstractBaseUser,
    item: _Decoded,
    prediction: Prediction,
    files: dict[str, str],
    origin: Origin,
) -> Scan:
    """The scan's row, referring to its already written ``files``."""
    decoded = item.decoded
    scan = Scan(
        owner=owner,
        original_filename=display_filename(item.upload.name),
        image_width=decoded.size[0],
        image_height=decoded.size[1],
        source_format=decoded.source_format,
        dicom_tags=decoded.tags,
        notes="\n".join(decoded.notes),
        **verdict_fields(prediction),
        inference_ms=prediction.inference_ms,
        content_sha256=item.sha256,
        source=origin.source,
        source_ae=origin.ae,
        patient_key=decoded.patient_key,
        image=files["image"],
        thumbnail=files["thumbnail"],
        stored_bytes=stored_size(files.values()),
    )
    with transaction.atomic():
        scan.save()
        audit.record(audit.Action.UPLOAD, scan_id=scan.pk, detail=origin.describe())
    logger.info("Scan %s by user %s: %s", scan.pk, owner.pk, scan.result_label)
    return scan
