"""At a phone's width (390 px) the pages fit without scrolling sideways, verdict first.

Wide tables may scroll inside their own box; the page itself must not. Playwright drives
Debian's Chromium (skipped without it), as in test_browser.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from diagnosis.tests.browser import CHROMIUM, SCREENSHOTS, log_in
from mlcore.artifact.files import SHIPPED_MODEL_DIR

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]
PHONE = {"width": 390, "height": 844}
PAGE_WIDTH = "document.documentElement.scrollWidth"


def test_history_result_and_model_card_fit_a_phone(browser_page, make_scan, settings):
    page, base, errors = browser_page
    page.set_viewport_size(PHONE)
    alice = get_user_model().objects.get(username="alice")
    scans = [
        make_scan(alice, name=f"a-rather-long-file-name-of-an-x-ray-{i}.png", seed=i, opaque=i % 2)
        for i in range(4)
    ]
    log_in(page, base)

    page.goto(base + "/scans/")
    page.screenshot(path=SCREENSHOTS / "phone-history.png", full_page=True)
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    assert page.get_attribute("nav a[aria-current=page]", "href") == "/scans/"

    page.goto(base + scans[1].get_absolute_url())
    page.screenshot(path=SCREENSHOTS / "phone-detail.png", full_page=True)
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    verdict = page.locator("#verdict").bounding_box()
    image = page.locator("#scan-image").bounding_box()
    assert verdict["y"] + verdict["height"] <= image["y"]  # the verdict above the image

    settings.PNEUMO_MODEL_DIR = SHIPPED_MODEL_DIR  # the real card: long rules, all the plots
    page.goto(base + "/model/")
    page.screenshot(path=SCREENSHOTS / "phone-model-card.png", full_page=True)
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    assert "ROC curve" in page.inner_text("main")
    assert errors == []
