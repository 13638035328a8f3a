"""Each gunicorn worker loads the model as it starts (PNEUMO_WARM_START): the readiness
check says "loading" until then, and no upload pays the load; inference_ms is the forward
pass only."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from diagnosis import active_model
from diagnosis.tests.serving import ROOT, gunicorn
from mlcore.model.inference import Predictor

pytestmark = pytest.mark.slow


def migrate(folder: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}  # a SQLite file
    env["PNEUMO_VAR_DIR"] = str(folder)
    command = [sys.executable, "manage.py", "migrate", "--noinput", "-v0"]
    subprocess.run(command, cwd=ROOT, env=env, check=True, timeout=300)


def readiness(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode()
    except urllib.error.HTTPError as error:
        return f"{error.code} {error.read().decode()}"


def test_a_worker_loads_its_model_as_it_starts(tmp_path: Path, tiny_model_dir: Path):
    env = {"WEB_CONCURRENCY": "1", "PNEUMO_MODEL_DIR": str(tiny_model_dir)}
    migrate(tmp_path)
    with gunicorn(tmp_path, **env) as app:
        said = [readiness(f"{app}/healthcheck?model=1")]
        deadline = time.monotonic() + 60
        while said[-1] != "ok" and time.monotonic() < deadline:
            time.sleep(0.05)
            said.append(readiness(f"{app}/healthcheck?model=1"))
    assert said[-1] == "ok"
    assert set(said) <= {"503 loading", "ok"}, said  # never a load inside the check
    assert "Warm start: model tiny-test-1 ready" in (tmp_path / "gunicorn.log").read_text()


def test_the_readiness_check_says_loading_while_the_worker_loads(client, monkeypatch, db):
    monkeypatch.setitem(active_model._warm_start, "state", "loading")
    response = client.get("/healthcheck?model=1")
    assert (response.status_code, response.content) == (503, b"loading")


def test_warm_up_loads_the_active_model_in_the_background(model, monkeypatch, transactional_db):
    monkeypatch.setitem(active_model._warm_start, "state", "")
    active_model.warm_up().join(timeout=60)
    assert active_model._warm_start["state"] == "ready"
    assert not active_model.warming_up()


def test_inference_ms_is_the_forward_pass_not_the_load(alice, make_scan, monkeypatch):
    load = Predictor._load_locked

    def slow_load(self) -> None:
        if self._model is None:
            time.sleep(1.0)  # a first load takes seconds
        load(self)

    monkeypatch.setattr(Predictor, "_load_locked", slow_load)
    scan = make_scan(alice)
    assert scan.inference_ms < 900
