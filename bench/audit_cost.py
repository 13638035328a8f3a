"""What the access audit trail costs (BENCHMARKS.md).

`python -m bench.audit_cost [--pairs 40] [--rows 10000]`: the site in this process, as in
bench.upload_costs (a throwaway SQLite database, or DATABASE_URL's, the installed model,
Django's test client), one signed-in user. An upload through the API and a view of a
scan's page are timed with the trail and, in alternate calls, with its writer switched off
(every row skipped), the medians side by side; then ``--rows`` rows are written one
request's way (one transaction each) and the table's growth measured. Not a way to run the
site: the switch is a measurement.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from bench.images import full_size_xray_jpeg
from bench.report import table
from bench.upload_costs import side_by_side, start_site, uploader


@contextmanager
def no_trail() -> Iterator[None]:
    from accounts import audit

    with mock.patch.object(audit, "record", lambda *args, **kwargs: None):
        yield


def page_viewer() -> Callable[[], None]:
    """A view of the bench user's latest scan page, as a signed-in browser makes it."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from diagnosis.models import Scan

    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    url = Scan.objects.latest("pk").get_absolute_url()

    def view() -> None:
        if client.get(url).status_code != 200:
            raise SystemExit(f"{url} did not answer 200")

    return view


def table_bytes() -> int:
    """Bytes the trail takes: its table and indexes (PostgreSQL), or the database file
    after a checkpoint (SQLite, where the trail is what grows)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_total_relation_size('accounts_accessevent')")
            return cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return Path(connection.settings_dict["NAME"]).stat().st_size


def growth(rows: int) -> tuple[float, float]:
    """(MB per 10,000 rows, ms per row) for ``rows`` rows written one at a time."""
    from accounts import audit

    actor = audit.Actor(audit.Via.PAGE, name="bench-user-with-a-typical-name")
    before = table_bytes()
    started = time.perf_counter()
    for i in range(rows):
        audit.record(audit.Action.VIEW_SCAN, scan_id=100_000 + i, actor=actor)
    elapsed = time.perf_counter() - started
    grown = table_bytes() - before
    return grown / 1e6 * 10_000 / rows, elapsed * 1000 / rows


def run(pairs: int, rows: int) -> dict[str, object]:
    image = full_size_xray_jpeg()
    upload = uploader(image)
    for _ in range(5):  # the model warm
        upload()
    view = page_viewer()
    with_upload, without_upload = side_by_side(upload, no_trail, upload, pairs)
    with_view, without_view = side_by_side(view, no_trail, view, pairs)
    megabytes, per_row_ms = growth(rows)
    return {
        "POST /api/scans/ p50 ms, with / without the trail": f"{with_upload:.1f} / "
        f"{without_upload:.1f}",
        "POST /api/scans/: the trail's share ms": with_upload - without_upload,
        "GET /scans/<id>/ p50 ms, with / without the trail": f"{with_view:.1f} / "
        f"{without_view:.1f}",
        "GET /scans/<id>/: the trail's share ms": with_view - without_view,
        f"one row written alone (mean of {rows}) ms": per_row_ms,
        "growth per 10,000 views MB": megabytes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pneumo-audit-") as folder:
        start_site(folder)
        from django.db import connection

        figures = run(args.pairs, args.rows)
        vendor = connection.vendor
    table(f"The access audit trail ({vendor}, {os.cpu_count()} cores)", figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
