"""The saliency map of a scan: computed on first request, then kept with the scan."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import transaction

from diagnosis.errors import ScanGone
from diagnosis.models import Scan
from diagnosis.services._scoring import active_predictor, saliency, stored_picture
from diagnosis.services.storage import delete_stored, save_pictures
from mlcore.model.saliency import grayscale_map, overlay_image


def scan_heatmap(*, scan: Scan) -> Scan:
    """Compute the scan's saliency map on first request and keep it with the scan: as a
    coloured overlay (``heatmap``), as raw 8-bit grayscale (``saliency``) and its strength.

    Computed from the stored display image, on demand: uploads should not pay for maps
    nobody looks at. A scan whose kept heatmap predates the raw map (a Grad-CAM) gets both
    anew.
    """
    if not scan.is_recognised or (scan.heatmap and scan.saliency):
        return scan
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
    try:
        won = Scan.objects.filter(pk=scan.pk, saliency="").update(**fields)
    except BaseException:
        delete_stored(fields[kind] for kind in ("heatmap", "saliency"))
        raise
    if not won:
        delete_stored(fields[kind] for kind in ("heatmap", "saliency"))
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
