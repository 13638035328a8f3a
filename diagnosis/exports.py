"""The history as rows for CSV (pages) and JSON (API) exports."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

from diagnosis.models import Scan

EXPORT_FIELDS = (
    "id",
    "uploaded_at",
    "original_filename",
    "status",
    "predicted_class",
    "pneumonia_probability",
    "threshold",
    "model_version",
)
# Spreadsheets run cells starting with these as formulas (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def export_rows(scans: QuerySet[Scan]) -> Iterator[dict]:
    """One plain dict per scan, streamed from the database in chunks."""
    fields = ("id", "created_at", "original_filename", "status", "predicted_class")
    values = scans.values_list(
        *fields, "pneumonia_probability", "threshold", "model_version"
    ).iterator(chunk_size=2000)
    for pk, created_at, name, status, predicted, probability, threshold, version in values:
        yield {
            "id": pk,
            "uploaded_at": created_at.isoformat(),
            "original_filename": name,
            "status": status,
            "predicted_class": predicted or None,
            "pneumonia_probability": probability,
            "threshold": threshold,
            "model_version": version,
        }


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[dict]) -> Iterator[str]:
    """CSV text line by line (header first), safe to open in a spreadsheet."""
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_FIELDS)
    for row in rows:
        yield writer.writerow([_cell(row[name]) for name in EXPORT_FIELDS])


def _cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return "" if value is None else value
