"""gunicorn replaces a worker after PNEUMO_MAX_REQUESTS requests, without a failed one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from diagnosis.tests.serving import get, gunicorn

pytestmark = pytest.mark.slow


def test_a_worker_is_replaced_after_max_requests(tmp_path: Path):
    settings = {"WEB_CONCURRENCY": "1", "PNEUMO_MAX_REQUESTS": "3"}
    with gunicorn(tmp_path, PNEUMO_MAX_REQUESTS_JITTER="0", **settings) as app:
        statuses = [get(f"{app}/healthcheck", timeout=30) for _ in range(7)]

    log = (tmp_path / "gunicorn.log").read_text()
    assert statuses == [200] * 7
    assert "Autorestarting worker after current request." in log
    # At least one replacement; how many depends on when the log is read (a gthread worker
    # finishes the connections it accepted before it leaves).
    assert len(set(re.findall(r"Booting worker with pid: (\d+)", log))) >= 2
