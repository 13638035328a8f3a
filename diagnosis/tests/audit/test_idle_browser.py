"""Idle sign-out in Chromium, with the limit shortened to 12 seconds: the warning, "Stay
signed in", the sign-out, and the review comment typed before it restored after signing
in again."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile

from diagnosis.services import scan_upload
from diagnosis.tests.browser import CHROMIUM, SCREENSHOTS, log_in
from mlcore.testing import xray_png

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]


def test_idle_warning_sign_out_and_the_comment_kept(browser_page, settings):
    settings.PNEUMO_SESSION_IDLE_MINUTES = 0.2  # 12 s; the warning comes at 6 s left
    page, base, errors = browser_page
    alice = get_user_model().objects.get(username="alice")
    Group.objects.get(name="Reviewers").user_set.add(alice)
    upload = SimpleUploadedFile("chest.png", xray_png(seed=4), "image/png")
    scan, _ = scan_upload(owner=alice, uploaded_file=upload, reanalyse=True)
    log_in(page, base)

    page.goto(base + scan.get_absolute_url())
    page.fill("#review-comment", "hazy lower lobes")
    warning = page.locator("#session-warning")
    warning.wait_for(state="visible", timeout=15_000)
    assert "You will be signed out in" in warning.inner_text()
    page.screenshot(path=SCREENSHOTS / "idle-warning.png")
    page.click("#stay-signed-in")
    warning.wait_for(state="hidden", timeout=5_000)

    page.wait_for_url(re.compile(r".*/accounts/login/\?next=.*"), timeout=30_000)
    assert "signed out after 12 seconds without activity" in page.inner_text("#session-ended")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "alice-password-1")
    page.click("button[type=submit]")
    page.wait_for_url(base + scan.get_absolute_url())
    assert page.input_value("#review-comment") == "hazy lower lobes"
    assert page.locator("#review-comment-restored").is_visible()
    page.click("#confirm-normal")
    page.wait_for_url(base + scan.get_absolute_url())
    assert "hazy lower lobes" in page.inner_text("#review-comment-shown")
    assert errors == []
