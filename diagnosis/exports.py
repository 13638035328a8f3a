"""The history and the audit trail as rows for CSV (pages) and JSON (API) exports."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence

from django.db.models import QuerySet

from accounts.models import AccessEvent
from diagnosis.models import Scan, verdict_scale

EXPORT_FIELDS = (
    "id",
    "uploaded_at",
    "owner",
    "original_filename",
    "status",
    "predicted_class",
    "pneumonia_probability",
    "threshold",
    "score",
    "cutoff",
    "band",
    "band_low",
    "band_high",
    "model_version",
    "review_finding",
    "review_comment",
    "reviewed_by",
    "reviewed_at",
    "notes",
)
# The audit trail's fields (as the API names them) and the columns they come from.
AUDIT_COLUMNS = {
    "id": "id",
    "at": "at",
    "user": "username",
    "action": "action",
    "scan": "scan_id",
    "address": "address",
    "via": "via",
    "outcome": "outcome",
    "detail": "detail",
}
AUDIT_FIELDS = tuple(AUDIT_COLUMNS)
# Spreadsheets run cells starting with these as formulas (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def export_rows(scans: QuerySet[Scan]) -> Iterator[dict]:
    """One plain dict per scan, streamed from the database in chunks."""
    fields = ("id", "created_at", "owner__username", "original_filename", "status")
    review = ("review_finding", "review_comment", "reviewed_by__username", "reviewed_at")
    scale = ("pneumonia_probability", "threshold", "band_low", "band_high")
    columns = (*fields, "predicted_class", *scale, "model_version", *review, "notes")
    for row in scans.values_list(*columns).iterator(chunk_size=2000):
        pk, created_at, owner, name, status, predicted = row[:6]
        verdict, version, (finding, comment, reviewer, reviewed_at), notes = (
            row[6:10],
            row[10],
            row[11:15],
            row[15],
        )
        yield {
            "id": pk,
            "uploaded_at": created_at.isoformat(),
            "owner": owner,
            "original_filename": name,
            "status": status,
            "predicted_class": predicted or None,
            **verdict_scale(*verdict),
            "model_version": version,
            "review_finding": finding or None,
            "review_comment": comment,
            "reviewed_by": reviewer,
            "reviewed_at": reviewed_at.isoformat() if reviewed_at else None,
            "notes": notes,
        }


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[dict], fields: Sequence[str] = EXPORT_FIELDS) -> Iterator[str]:
    """CSV text line by line (header first), safe to open in a spreadsheet."""
    writer = csv.writer(_Echo())
    yield writer.writerow(fields)
    for row in rows:
        yield writer.writerow([_cell(row[name]) for name in fields])


def audit_rows(events: QuerySet[AccessEvent]) -> Iterator[dict]:
    """One plain dict per audit row (the API's fields), streamed in chunks."""
    values = events.values_list(*AUDIT_COLUMNS.values()).iterator(chunk_size=2000)
    for row in values:
        record = dict(zip(AUDIT_COLUMNS, row, strict=True))
        record["at"] = record["at"].isoformat()
        yield record


def _cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return "" if value is None else value
