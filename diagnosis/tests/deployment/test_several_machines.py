"""Several machines, one model: two web processes with var/ folders of their own, sharing
the database and the model store. Activating a version on one switches the other at its
next prediction; a machine without the version's files refuses, and says why."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from rest_framework.authtoken.models import Token

from diagnosis.tests.serving import ROOT, SharedDatabase, gunicorn
from mlcore.artifact import versions
from mlcore.artifact.files import read_card, write_card
from mlcore.testing import TINY_VERSION, xray_png

pytestmark = pytest.mark.slow
SITE = f"{TINY_VERSION}+site.1"


def site_version(store: Path, model: Path) -> None:
    """A site version in the shared store: the tiny model under a version name of its own."""

    def write(folder: Path) -> None:
        shutil.copytree(model, folder, dirs_exist_ok=True)
        card = read_card(folder)
        card.version = SITE
        write_card(folder, card)

    versions.write_version(store, SITE, write)


def upload(base: str, token: str, seed: int) -> requests.Response:
    return requests.post(
        f"{base}/api/scans/?reanalyse=1",
        files={"image": ("chest.png", xray_png(seed=seed), "image/png")},
        headers={"Authorization": f"Token {token}"},
        timeout=120,
    )


def test_activating_on_one_machine_switches_the_other(
    transactional_db, alice, tiny_model_dir, tmp_path
):
    store = tmp_path / "store"
    site_version(store, tiny_model_dir)
    token = Token.objects.create(user=alice).key
    database = SharedDatabase(tmp_path)
    machine = {
        "DATABASE_URL": database.url,
        "PNEUMO_MODEL_DIR": str(tiny_model_dir),
        "PNEUMO_MODEL_VERSIONS_DIR": str(store),
        "WEB_CONCURRENCY": "1",
    }
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with gunicorn(tmp_path / "b", **machine) as other:
        assert upload(other, token, 1).json()["model_version"] == TINY_VERSION

        activated = subprocess.run(
            [sys.executable, "manage.py", "model_versions", "--activate", SITE],
            cwd=ROOT,
            env={**os.environ, **machine, "PNEUMO_VAR_DIR": str(tmp_path / "a")},
            capture_output=True,
            text=True,
        )
        assert activated.returncode == 0, activated.stderr

        assert upload(other, token, 2).json()["model_version"] == SITE  # no restart
    assert not list((tmp_path / "b").rglob("ACTIVE"))  # nothing per machine decides it


def test_a_machine_without_the_active_version_refuses_and_says_why(
    transactional_db, alice, tiny_model_dir, tmp_path
):
    from diagnosis.models import ActiveModel

    site_version(tmp_path / "store", tiny_model_dir)
    ActiveModel.objects.create(pk=ActiveModel.ONLY, name=SITE, changed_by="another machine")
    token = Token.objects.create(user=alice).key
    database = SharedDatabase(tmp_path)
    (tmp_path / "c").mkdir()
    lacking = {
        "DATABASE_URL": database.url,
        "PNEUMO_MODEL_DIR": str(tiny_model_dir),
        "PNEUMO_MODEL_VERSIONS_DIR": str(tmp_path / "c" / "models"),  # a store of its own
        "WEB_CONCURRENCY": "1",
    }
    with gunicorn(tmp_path / "c", **lacking) as machine:
        response = upload(machine, token, 3)

    assert response.status_code == 503
    assert (
        f"Model version {SITE} is the active one, but it is not installed"
        in (response.json()["detail"])
    )
    assert f"{SITE} is the active one" in (tmp_path / "c" / "gunicorn.log").read_text()
