"""Fixtures: users alice and bob (and a staff user), clients, a tiny trained model, and a
browser page on the live server (Playwright driving Debian's Chromium)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bench.screenshots import CHROMIUM_ARGS
from diagnosis.models import Scan
from diagnosis.tests.browser import CHROMIUM, SCREENSHOTS
from mlcore.model.inference import forget_predictors
from mlcore.testing import xray_png


@pytest.fixture(scope="session")
def tiny_model_dir(trained_artifact: Path) -> Path:
    return trained_artifact


@pytest.fixture(autouse=True)
def isolated_storage(settings, tmp_path: Path):
    """Every test gets its own media and upload folders, no model at all by default, fresh
    throttles."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PNEUMO_UPLOAD_SPOOL_DIR = tmp_path / "upload-tmp"
    settings.PNEUMO_MODEL_DIR = tmp_path / "no-model"
    settings.PNEUMO_MODEL_VERSIONS_DIR = tmp_path / "models"
    cache.clear()
    forget_predictors()
    yield
    forget_predictors()


@pytest.fixture
def model(settings, tiny_model_dir: Path) -> Path:
    settings.PNEUMO_MODEL_DIR = tiny_model_dir
    return tiny_model_dir


@pytest.fixture
def alice(db):
    return get_user_model().objects.create_user("alice", password="alice-password-1")


@pytest.fixture
def bob(db):
    return get_user_model().objects.create_user("bob", password="bob-password-1")


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user("carol", password="carol-pw-1", is_staff=True)


@pytest.fixture
def reviewer(alice):
    """alice, in the "Reviewers" group (migration 0003): she reviews the scans she sees."""
    Group.objects.get(name="Reviewers").user_set.add(alice)
    return alice


@pytest.fixture
def alice_client(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def alice_api(alice) -> APIClient:
    # A real token, as clients send it: uploads without credentials are refused before
    # DRF (and so DRF's force_authenticate) ever sees them.
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=alice)[0].key}")
    return client


def stored_files(media_root: Path) -> list[Path]:
    return sorted(path for path in Path(media_root).rglob("*") if path.is_file())


@pytest.fixture
def make_scan(model):
    """Create a real scan through the service (tiny model, generated image)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from diagnosis.services import scan_upload

    def make(owner, *, name: str = "chest.png", opaque: bool = False, seed: int = 0) -> Scan:
        upload = SimpleUploadedFile(name, xray_png(opaque=opaque, seed=seed), "image/png")
        return scan_upload(owner=owner, uploaded_file=upload, reanalyse=True)[0]

    return make


@pytest.fixture
def make_row(db):
    """A Scan row with no stored file and no model run: enough for reviews and reads."""

    def make(owner, *, predicted: str = "pneumonia", probability: float = 0.9, **fields) -> Scan:
        return Scan.objects.create(
            owner=owner,
            original_filename=fields.pop("name", "row.png"),
            image_width=96,
            image_height=96,
            status=Scan.Status.PREDICTED if predicted else Scan.Status.NOT_RECOGNISED,
            predicted_class=predicted,
            pneumonia_probability=probability if predicted else None,
            threshold=0.5,
            model_version=fields.pop("model_version", "v1"),
            inference_ms=1.0,
            **fields,
        )

    return make


@pytest.fixture
def browser_page(live_server, model, transactional_db):
    from playwright.sync_api import sync_playwright

    get_user_model().objects.create_user("alice", password="alice-password-1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
        )
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.set_default_timeout(20_000)
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: errors.append(message.text) if message.type == "error" else None,
        )
        yield page, live_server.url, errors
        browser.close()
