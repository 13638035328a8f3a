"""A contract tester nobody here wrote: schemathesis, every check, on the schema the app
serves, against the live API with a token and a real scan (schemathesis.toml says what is
switched off and why). Fails on any failure it reports."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from diagnosis.tests.serving import ROOT

SCHEMATHESIS = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SCHEMATHESIS is None, reason="needs schemathesis (requirements-dev.txt)"),
]


def test_the_live_api_keeps_the_contract_its_schema_states(
    live_server, transactional_db, staff, make_scan, tmp_path, monkeypatch, settings
):
    # The rate and cost limits have tests of their own (security/test_rate_limits.py,
    # test_cost_limits.py); at their defaults most of this run's cases would be 429s,
    # which test nothing else.
    rates = {scope: "100000/minute" for scope in ("anon", "user", "uploads", "token", "maps")}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    scan = make_scan(staff)
    env = {
        **os.environ,
        "PNEUMO_CONTRACT_BASE_URL": live_server.url,
        "PNEUMO_CONTRACT_TOKEN": Token.objects.create(user=staff).key,
        "PNEUMO_CONTRACT_SCAN": str(scan.pk),
    }
    run = subprocess.run(
        [SCHEMATHESIS, "run", f"{live_server.url}/api/schema/?format=json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    (tmp_path / "schemathesis.txt").write_text(run.stdout + run.stderr)
    summary = re.findall(r"^.*(?:passed|failed|error).*$", run.stdout, re.MULTILINE)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    assert summary, run.stdout[-2000:]
