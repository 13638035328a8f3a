"""Playwright driving Debian's Chromium against the live server: the browser tests' shared
pieces (the ``browser_page`` fixture itself is in conftest.py)."""

from __future__ import annotations

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("PNEUMO_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = Path(os.environ.get("PNEUMO_SCREENSHOT_DIR", "test-artifacts/screenshots"))
# The browser runs an event loop in this thread; the ORM calls below are plain test code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def log_in(page, base: str) -> None:
    page.goto(base + "/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "alice")
    page.fill("#id_password", "alice-password-1")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
