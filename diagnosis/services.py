"""Writes. The web form and the API both call these; every upload rule lives here."""

from __future__ import annotations

import hashlib
import logging
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from PIL import Image

from diagnosis.errors import (
    ModelUnavailable,
    ReviewNotAllowed,
    ReviewRejected,
    ScanGone,
    UploadRejected,
)
from diagnosis.ml import NO_MODEL_HELP, current_predictor
from diagnosis.models import Scan, ScanReview
from diagnosis.selectors import scans_visible_to, user_can_review
from mlcore.decode.pictures import reduced_copy, reencoded
from mlcore.decode.upload import DecodedUpload, Limits, decode_upload
from mlcore.errors import ArtifactError, ImageError, ModelBusy
from mlcore.model.inference import Prediction, Predictor
from mlcore.model.saliency import grayscale_map, overlay_image

logger = logging.getLogger(__name__)

MAX_DISPLAY_NAME = 255
MAX_REVIEW_COMMENT = 2000
# The stored copies of an upload are encoded and written here while the model runs
# (Pillow and TensorFlow release the GIL), on the core a worker's TensorFlow thread leaves.
# (On the 2-vCPU machine of README's figures the two cores slow each other, and the copies
# cost ~2 ms of an upload there either way: python -m bench.upload_costs.)
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


def _read_upload(uploaded_file: UploadedFile) -> bytes:
    limit = settings.PNEUMO_MAX_UPLOAD_BYTES
    if uploaded_file.size is not None and uploaded_file.size > limit:
        raise UploadRejected(
            f"The file is {uploaded_file.size / 1e6:.1f} MB; the limit is {limit / 1e6:.1f} MB."
        )
    uploaded_file.seek(0)
    data = uploaded_file.read(limit + 1)
    if not data:
        raise UploadRejected("The file is empty.")
    if len(data) > limit:
        raise UploadRejected(f"The file is larger than the limit of {limit / 1e6:.1f} MB.")
    return data


def patient_key_secret() -> bytes | None:
    """The site secret for DICOM patient keys, or None when the feature is off."""
    return settings.PNEUMO_PATIENT_KEY_SECRET.encode() or None


def upload_limits() -> Limits:
    """What one upload may cost, from the settings."""
    return Limits(
        max_pixels=settings.PNEUMO_MAX_IMAGE_PIXELS,
        max_aspect_ratio=settings.PNEUMO_MAX_ASPECT_RATIO,
        max_decode_bytes=settings.PNEUMO_MAX_DECODE_BYTES,
        max_jpeg_scans=settings.PNEUMO_MAX_JPEG_SCANS,
        decode_memory_bytes=settings.PNEUMO_DECODE_MEMORY_BYTES,
        decode_seconds=settings.PNEUMO_DECODE_SECONDS,
        accept_burned_in=settings.PNEUMO_ACCEPT_BURNED_IN,
    )


def _predictor_with_card() -> Predictor:
    predictor = current_predictor()
    with _model_errors():
        predictor.card  # noqa: B018 - reading the card is the check
    return predictor


@contextmanager
def _model_errors() -> Iterator[None]:
    """The model's failures as ModelUnavailable (HTTP 503) with what to do about them."""
    try:
        yield
    except ModelBusy as exc:
        logger.warning("Model busy: %s", exc)
        raise ModelUnavailable(f"The model is busy ({exc}); try again in a moment.") from exc
    except ArtifactError as exc:
        logger.error("Prediction impossible: %s", exc)
        raise ModelUnavailable(f"The model is not available. {NO_MODEL_HELP}") from exc


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
    file_mb: float
    batch_mb: float

    @classmethod
    def from_settings(cls) -> UploadLimits:
        return cls(
            files=settings.PNEUMO_MAX_BATCH_FILES,
            file_mb=settings.PNEUMO_MAX_UPLOAD_BYTES / 1e6,
            batch_mb=settings.PNEUMO_MAX_BATCH_BYTES / 1e6,
        )


def too_many_files(sent: int | None = None) -> UploadRejected:
    """The error for a request with more files than one batch may hold (``sent``: how many
    came, when known: the request parser stops counting at the limit)."""
    came = f"{sent} files were sent; at" if sent else "At"
    return UploadRejected(
        f"{came} most {settings.PNEUMO_MAX_BATCH_FILES} files can be analysed at once; "
        "send the others in another upload."
    )


def _check_batch(uploaded_files: Sequence[UploadedFile]) -> None:
    if not uploaded_files:
        raise UploadRejected("No file was submitted.")
    if len(uploaded_files) > settings.PNEUMO_MAX_BATCH_FILES:
        raise too_many_files(len(uploaded_files))
    total = sum(upload.size or 0 for upload in uploaded_files)
    if total > settings.PNEUMO_MAX_BATCH_BYTES:
        raise UploadRejected(
            f"The files add up to {total / 1e6:.1f} MB; the limit per request is "
            f"{settings.PNEUMO_MAX_BATCH_BYTES / 1e6:.1f} MB."
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
                    "Not analysed: the images before it in this request used up the "
                    f"{settings.PNEUMO_MAX_BATCH_PIXELS / 1e6:,.0f} megapixels one request may "
                    "decode; send it in another request."
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
        except (UploadRejected, ImageError) as exc:
            result.rejected.append(RejectedFile(name, str(exc)))
        else:
            pixels_left -= decoded.size[0] * decoded.size[1]
            accepted.append(_Decoded(upload, decoded, sha256))
    return accepted, repeats


def scan_create_many(
    *,
    owner: AbstractBaseUser,
    uploaded_files: Sequence[UploadedFile],
    reanalyse: bool = False,
) -> BatchResult:
    """Analyse several uploads in one forward pass; each file succeeds or fails on its own.
    A file whose content the owner uploaded before is not analysed again (it is reported
    in ``duplicates`` with the earlier scan) unless ``reanalyse``."""
    predictor = _predictor_with_card()
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
        with _model_errors():
            predictions = predictor.predict_arrays(
                [predictor.prepare(item.decoded.model_image) for item in accepted],
                timeout=settings.PNEUMO_PREDICT_TIMEOUT,
            )
        for item, prediction, files in zip(accepted, predictions, copies, strict=True):
            result.scans.append(_store_scan(owner, item, prediction, files.result()))
    except BaseException:
        _discard_copies(copies[len(result.scans) :])  # no stored scan refers to them
        raise
    stored = {scan.content_sha256: scan for scan in result.scans}
    result.duplicates += [DuplicateFile(name, stored[sha256]) for name, sha256 in repeats]
    return result


def scan_upload(
    *, owner: AbstractBaseUser, uploaded_file: UploadedFile, reanalyse: bool = False
) -> tuple[Scan, bool]:
    """One upload: (the new scan, False), or (the owner's earlier scan of the same content,
    True) without running the model, unless ``reanalyse``. All or nothing."""
    result = scan_create_many(owner=owner, uploaded_files=[uploaded_file], reanalyse=reanalyse)
    if result.rejected:
        raise UploadRejected(result.rejected[0].detail)
    if result.duplicates:
        return result.duplicates[0].scan, True
    return result.scans[0], False


def scan_create(*, owner: AbstractBaseUser, uploaded_file: UploadedFile) -> Scan:
    """Validate, predict, store one upload (even one the owner uploaded before): all or
    nothing. Returns the saved Scan."""
    return scan_upload(owner=owner, uploaded_file=uploaded_file, reanalyse=True)[0]


def _write_copies(image: Image.Image) -> dict[str, str]:
    """The display copy and thumbnail to keep, fresh JPEGs of the decoded pixels, written
    under server-made names: {field: stored name}."""
    display = reduced_copy(image, settings.PNEUMO_DISPLAY_SIZE)
    thumbnail = reduced_copy(display, settings.PNEUMO_THUMBNAIL_SIZE)
    pictures = {"image": display, "thumbnail": thumbnail}
    return _save_pictures(f"scans/{uuid.uuid4().hex}", pictures, "JPEG")


def _discard_copies(copies: Sequence[Future[dict[str, str]]]) -> None:
    for written in copies:
        try:
            names = written.result()
        except Exception:
            continue
        _delete_stored(names.values())


def _save_pictures(stem: str, pictures: dict[str, Image.Image], fmt: str) -> dict[str, str]:
    """Each picture freshly encoded as ``fmt`` under ``<stem>_<kind>``: {kind: stored
    name}; all of them or, on any failure, none."""
    extension = {"JPEG": "jpg", "PNG": "png"}[fmt]
    names: dict[str, str] = {}
    try:
        for kind, picture in pictures.items():
            content = ContentFile(reencoded(picture, fmt))
            names[kind] = default_storage.save(f"{stem}_{kind}.{extension}", content)
    except BaseException:
        _delete_stored(names.values())
        raise
    return names


def _delete_stored(names: Iterable[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _store_scan(
    owner: AbstractBaseUser, item: _Decoded, prediction: Prediction, files: dict[str, str]
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
        status=Scan.Status.PREDICTED if prediction.recognised else Scan.Status.NOT_RECOGNISED,
        predicted_class=prediction.predicted_class or "",
        pneumonia_probability=prediction.pneumonia_probability if prediction.recognised else None,
        threshold=prediction.threshold,
        band_low=prediction.band_low,
        band_high=prediction.band_high,
        model_version=prediction.model_version,
        inference_ms=prediction.inference_ms,
        ood_score=prediction.ood_score,
        content_sha256=item.sha256,
        patient_key=decoded.patient_key,
        image=files["image"],
        thumbnail=files["thumbnail"],
    )
    scan.save()
    logger.info("Scan %s by user %s: %s", scan.pk, owner.pk, scan.result_label)
    return scan


def scan_heatmap(*, scan: Scan) -> Scan:
    """Compute the scan's saliency map on first request and keep it with the scan: as a
    coloured overlay (``heatmap``), as raw 8-bit grayscale (``saliency``) and its strength.

    Computed from the stored display image, on demand: uploads should not pay for maps
    nobody looks at. A scan whose kept heatmap predates the raw map (a Grad-CAM) gets both
    anew.
    """
    if not scan.is_recognised or (scan.heatmap and scan.saliency):
        return scan
    predictor = _predictor_with_card()
    with scan.image.open("rb") as handle:
        image = decode_upload(handle.read(), limits=upload_limits()).image
    with _model_errors():
        saliency = predictor.saliency(
            predictor.prepare(image),
            towards_pneumonia=scan.is_pneumonia,
            timeout=settings.PNEUMO_PREDICT_TIMEOUT,
        )
    stem = scan.image.name.rsplit("_image.", 1)[0]
    pictures = {
        "heatmap": overlay_image(image, saliency.values),
        "saliency": grayscale_map(saliency.values, image.size),
    }
    names = _save_pictures(stem, pictures, "PNG")
    fields = {**names, "saliency_peak": saliency.peak, "saliency_area": saliency.area}
    return _keep_saliency(scan, fields)


def _keep_saliency(scan: Scan, fields: dict) -> Scan:
    """Store the new files' names on the row, unless a concurrent first view stored its
    own meanwhile or the scan is gone: then delete ours (no file is left behind)."""
    try:
        won = Scan.objects.filter(pk=scan.pk, saliency="").update(**fields)
    except BaseException:
        _delete_stored(fields[kind] for kind in ("heatmap", "saliency"))
        raise
    if not won:
        _delete_stored(fields[kind] for kind in ("heatmap", "saliency"))
        try:
            scan.refresh_from_db()
        except Scan.DoesNotExist:
            raise ScanGone("The scan was deleted.") from None
        return scan
    replaced = scan.heatmap.name
    for name, value in fields.items():
        setattr(scan, name, value)
    if replaced:  # the Grad-CAM overlay kept before the raw map existed
        transaction.on_commit(lambda: default_storage.delete(replaced))
    return scan


def _check_reviewer(reviewer: AbstractBaseUser, scan: Scan) -> None:
    """404 before 403: whoever cannot see the scan learns nothing about it."""
    if not scans_visible_to(reviewer).filter(pk=scan.pk).exists():
        raise ScanGone("No such scan.")
    if not user_can_review(reviewer):
        raise ReviewNotAllowed(
            "Only reviewers (staff and members of the Reviewers group) may record a review."
        )


def _record_review(scan: Scan, reviewer: AbstractBaseUser, finding: str, comment: str) -> Scan:
    fields = {
        "review_finding": finding,
        "review_comment": comment,
        "reviewed_by": reviewer if finding else None,
        "reviewed_at": timezone.now() if finding else None,
    }
    with transaction.atomic():
        # update(), not save(): a concurrent first view may be storing this row's heatmap
        if not Scan.objects.filter(pk=scan.pk).update(**fields):
            raise ScanGone("The scan was deleted.")
        ScanReview.objects.create(scan=scan, finding=finding, comment=comment, reviewer=reviewer)
    for name, value in fields.items():
        setattr(scan, name, value)
    logger.info("Scan %s reviewed by user %s: %s", scan.pk, reviewer.pk, finding or "cleared")
    return scan


def scan_set_notes(*, scan: Scan, notes: str) -> Scan:
    """Replace the scan's free-text notes (its only field a user edits directly)."""
    # update(), not save(): a concurrent first view may be storing this row's heatmap
    if not Scan.objects.filter(pk=scan.pk).update(notes=notes):
        raise ScanGone("The scan was deleted.")
    scan.notes = notes
    return scan


def scan_review(*, scan: Scan, reviewer: AbstractBaseUser, finding: str, comment: str = "") -> Scan:
    """Record the clinician's confirmed finding of ``scan`` (and a row of its history)."""
    _check_reviewer(reviewer, scan)
    if finding not in Scan.PredictedClass.values:
        allowed = " or ".join(f'"{value}"' for value in Scan.PredictedClass.values)
        raise ReviewRejected(f"The finding must be {allowed}, not {str(finding)[:40]!r}.")
    comment = (comment or "").strip()
    if len(comment) > MAX_REVIEW_COMMENT:
        raise ReviewRejected(
            f"The comment is {len(comment)} characters long; at most {MAX_REVIEW_COMMENT}."
        )
    return _record_review(scan, reviewer, finding, comment)


def scan_override_gate(*, scan: Scan, reviewer: AbstractBaseUser) -> Scan:
    """Give ``scan`` the model's verdict although the gate did not recognise it as a chest
    X-ray: a reviewer's call, recorded with the verdict (who, when). The active model scores
    the stored image; its score, cut-off and version replace the upload's."""
    _check_reviewer(reviewer, scan)
    if scan.is_recognised:
        raise ReviewRejected("This scan already has the model's verdict.")
    predictor = _predictor_with_card()
    with scan.image.open("rb") as handle:
        image = decode_upload(handle.read(), limits=upload_limits()).image
    with _model_errors():
        (prediction,) = predictor.predict_arrays(
            [predictor.prepare(image)], timeout=settings.PNEUMO_PREDICT_TIMEOUT
        )
    positive = prediction.pneumonia_probability >= prediction.threshold
    fields = {
        "status": Scan.Status.PREDICTED,
        "predicted_class": Scan.PredictedClass.PNEUMONIA
        if positive
        else Scan.PredictedClass.NORMAL,
        "pneumonia_probability": prediction.pneumonia_probability,
        "threshold": prediction.threshold,
        "band_low": prediction.band_low,
        "band_high": prediction.band_high,
        "model_version": prediction.model_version,
        "ood_score": prediction.ood_score,
        "gate_overridden_by": reviewer,
        "gate_overridden_at": timezone.now(),
    }
    updated = Scan.objects.filter(pk=scan.pk, status=Scan.Status.NOT_RECOGNISED).update(**fields)
    if not updated:
        raise ReviewRejected("This scan already has the model's verdict.")
    scan.refresh_from_db()
    return scan


def scan_review_clear(*, scan: Scan, reviewer: AbstractBaseUser) -> Scan:
    """Remove the scan's review (the history keeps a "cleared" row)."""
    _check_reviewer(reviewer, scan)
    return _record_review(scan, reviewer, "", "")


@dataclass
class ImportResult:
    imported: int = 0
    duplicates: int = 0
    reviews_added: int = 0  # to duplicates that had none
    rejected: list[RejectedFile] = field(default_factory=list)


def scans_import_reviewed(
    *,
    owner: AbstractBaseUser,
    reviewer: AbstractBaseUser,
    files: Sequence[tuple[UploadedFile, str]],
) -> ImportResult:
    """Upload labelled files (one batch, one forward pass) as scans of ``owner``, each
    reviewed with its label by ``reviewer``. A file whose content the owner already has
    is not uploaded again; its review is set if it has none (a clinician's is kept)."""
    if not user_can_review(reviewer) or not (reviewer.is_staff or reviewer.pk == owner.pk):
        raise ReviewNotAllowed(
            f"{reviewer.get_username()} may not review {owner.get_username()}'s scans: a "
            "reviewer must be staff, or the owner and in the Reviewers group."
        )
    hashed = [(_sha256(upload), upload, finding) for upload, finding in files]
    existing = {
        scan.content_sha256: scan
        for scan in Scan.objects.filter(owner=owner, content_sha256__in=[h for h, *_ in hashed])
    }
    result, findings, fresh = ImportResult(), {}, []
    for sha256, upload, finding in hashed:
        if sha256 in existing or sha256 in findings:
            result.duplicates += 1
            scan = existing.get(sha256)
            if scan is not None and not scan.is_reviewed:
                scan_review(scan=scan, reviewer=reviewer, finding=finding)
                result.reviews_added += 1
            continue
        findings[sha256] = finding
        fresh.append(upload)
    if fresh:
        batch = scan_create_many(owner=owner, uploaded_files=fresh)
        for scan in batch.scans:
            scan_review(scan=scan, reviewer=reviewer, finding=findings[scan.content_sha256])
        result.imported, result.rejected = len(batch.scans), batch.rejected
    return result


def _sha256(upload: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    return digest.hexdigest()


def scan_delete(*, scan: Scan) -> None:
    """Delete the row, then its files once the deletion is committed."""
    with transaction.atomic():
        # Delete the row as the lock finds it, not as this instance read it: its post_delete
        # then removes a heatmap stored by a concurrent first view since (and a first view
        # storing one after this lock finds no row and deletes its own file).
        locked = Scan.objects.select_for_update().filter(pk=scan.pk).first()
        (locked or scan).delete()


def scans_delete(*, scans: QuerySet[Scan]) -> int:
    """Delete many rows (the admin's bulk action), then their files once committed."""
    with transaction.atomic():
        deleted, _ = scans.delete()
    return deleted


def scan_files_delete_on_commit(scan: Scan) -> None:
    """Remove a deleted scan's stored files once its deletion commits (never before: a
    rolled-back delete keeps them). Every way a Scan row goes calls this, through the
    post_delete signal: the services above, the admin, and a deleted owner's cascade.
    """
    names = [field.name for field in scan.stored_files()]
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])


@dataclass
class StorageAudit:
    orphan_files: list[str] = field(default_factory=list)
    broken_scans: dict[int, list[str]] = field(default_factory=dict)


def storage_audit() -> StorageAudit:
    """Files under scans/ that no scan refers to; scans whose image or thumbnail is gone."""
    known: set[str] = set()
    audit = StorageAudit()
    files = ("image", "thumbnail", "heatmap", "saliency")
    for scan_id, *names in Scan.objects.values_list("pk", *files):
        known.update(name for name in names if name)
        missing = [name for name in names[:2] if not default_storage.exists(name)]
        if missing:
            audit.broken_scans[scan_id] = missing
    _, files = default_storage.listdir("scans") if default_storage.exists("scans") else ([], [])
    audit.orphan_files = sorted(f"scans/{name}" for name in files if f"scans/{name}" not in known)
    return audit


def storage_repair(audit: StorageAudit) -> None:
    """Delete what the audit found: orphan files, and scans that lost their image."""
    for name in audit.orphan_files:
        default_storage.delete(name)
    for scan in Scan.objects.filter(pk__in=audit.broken_scans):
        scan_delete(scan=scan)
