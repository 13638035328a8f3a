"""The saliency map of a scan: computed on first request, then kept with the scan."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import caches
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from diagnosis.errors import ModelUnavailable, ScanGone
from diagnosis.models import Scan
from diagnosis.services._scoring import active_predictor, saliency, stored_picture
from diagnosis.services.costs import cost_charge
from diagnosis.services.storage import delete_stored, save_pictures, stored_size
from mlcore.model.saliency import grayscale_map, overlay_image

# How long one request may hold a scan's "making its map" mark: past a map's longest
# making, so a request that died lets the next one make it.
MAKING_SECONDS = 120


def scan_heatmap(*, scan: Scan, charged_to: AbstractBaseUser | None = None) -> Scan:
    """Compute the scan's saliency map on first request and keep it with the scan: as a
    coloured overlay (``heatmap``), as raw 8-bit grayscale (``saliency``) and its strength.

    Computed from the stored display image, on demand: uploads should not pay for maps
    nobody looks at. A scan whose kept heatmap predates the raw map (a Grad-CAM) gets both
    anew. Made once however many ask at the same time (the others wait for it); a map made
    counts against ``charged_to``'s rate (services.costs; the PACS's worker charges nobody).
    """
    if not scan.is_recognised or (scan.heatmap and scan.saliency):
        return scan
    lock = f"heatmap-{scan.pk}"
    deadline = time.monotonic() + settings.PNEUMO_PREDICT_TIMEOUT + MAKING_SECONDS
    while not caches["throttle"].add(lock, "making", MAKING_SECONDS):
        if time.monotonic() > deadline:
            raise ModelUnavailable(_("The heatmap is still being made; try again in a moment."))
        time.sleep(0.1)  # another request is making it: use theirs when it is kept
        kept = Scan.objects.filter(pk=scan.pk).exclude(saliency="").first()
        if kept is not None:
            return kept
    try:
        scan.refresh_from_db()
        if scan.heatmap and scan.saliency:  # made while this one waited for the lock
            return scan
        if charged_to is not None:
            cost_charge(charged_to, "maps")
        return _make_saliency(scan)
    except Scan.DoesNotExist:
        raise ScanGone(_("The scan was deleted.")) from None
    finally:
        caches["throttle"].delete(lock)


def _make_saliency(scan: Scan) -> Scan:
    predictor = active_predictor()
    image = stored_picture(scan)
    found = saliency(predictor, image, towards_pneumonia=scan.is_pneumonia)
    stem = scan.image.name.rsplit("_image.", 1)[0]
    pictures = {
        "heatmap": overlay_image(image, found.values),
        "saliency": grayscale_map(found.values, image.size),
    }
    names = save_pictures(stem, pictures, "PNG")
    fields = {**names, "saliency_peak": found.peak, "saliency_area": found.area}
    return _keep_saliency(scan, fields)


def _keep_saliency(scan: Scan, fields: dict) -> Scan:
    """Store the new files' names on the row, unless a concurrent first view stored its
    own meanwhile or the scan is gone: then delete ours (no file is left behind)."""
    added = stored_size(fields[kind] for kind in ("heatmap", "saliency"))
    try:
        won = Scan.objects.filter(pk=scan.pk, saliency="").update(
            **fields, stored_bytes=F("stored_bytes") + added
        )
    except BaseException:
        delete_stored(fields[kind] for kind in ("heatmap", "saliency"))
        raise
    if not won:
        delete_stored(fields[kind] for kind in ("heatmap", "saliency"))
        try:
            scan.refresh_from_db()
        except Scan.DoesNotExist:
            raise ScanGone(_("The scan was deleted.")) from None
        return scan
    replaced = scan.heatmap.name
    for name, value in fields.items():
        setattr(scan, name, value)
    scan.stored_bytes += added
    if replaced:  # the Grad-CAM overlay kept before the raw map existed
        transaction.on_commit(lambda: default_storage.delete(replaced))
    return scan
