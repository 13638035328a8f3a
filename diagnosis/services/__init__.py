"""Writes, one module per subdomain; the public services are re-exported here, so callers
import from ``diagnosis.services``:

- ``uploads``: validate, decode, one forward pass, store (the form, the API, the import);
- ``heatmaps``: a scan's saliency map, computed on first request and kept;
- ``costs``: what one user may make the model do (rates by cost, the storage quota);
- ``reviews``: the confirmed finding and its history, notes, the gate override;
- ``review_import``: labelled files in as reviewed scans;
- ``storage``: stored pictures all or nothing, the one delete path, the storage audit;
- ``_scoring``: how every service runs the active model (private).
"""

from diagnosis.services.costs import uploads_allowed
from diagnosis.services.heatmaps import scan_heatmap
from diagnosis.services.review_import import ImportResult, scans_import_reviewed
from diagnosis.services.reviews import (
    MAX_NOTES,
    MAX_REVIEW_COMMENT,
    scan_override_gate,
    scan_override_gate_undo,
    scan_review,
    scan_review_clear,
    scan_set_notes,
)
from diagnosis.services.storage import (
    StorageAudit,
    scan_delete,
    scan_files_delete_on_commit,
    scans_delete,
    storage_audit,
    storage_repair,
)
from diagnosis.services.uploads import (
    BatchResult,
    DuplicateFile,
    Origin,
    RejectedFile,
    UploadLimits,
    display_filename,
    megabytes,
    scan_create_many,
    scan_upload,
    too_many_files,
)

__all__ = [
    "MAX_NOTES",
    "MAX_REVIEW_COMMENT",
    "BatchResult",
    "DuplicateFile",
    "ImportResult",
    "Origin",
    "RejectedFile",
    "StorageAudit",
    "UploadLimits",
    "display_filename",
    "megabytes",
    "scan_create_many",
    "scan_delete",
    "scan_files_delete_on_commit",
    "scan_heatmap",
    "scan_override_gate",
    "scan_override_gate_undo",
    "scan_review",
    "scan_review_clear",
    "scan_set_notes",
    "scan_upload",
    "scans_delete",
    "scans_import_reviewed",
    "storage_audit",
    "storage_repair",
    "too_many_files",
    "uploads_allowed",
]
