"""End to end in a real browser: Playwright drives Debian's Chromium against a live server.

Screenshots of every page land in $PNEUMO_SCREENSHOT_DIR (default test-artifacts/screenshots).
"""

from __future__ import annotations

import base64
import re

import pytest
from django.contrib.auth import get_user_model

from diagnosis.models import Scan
from diagnosis.tests.browser import CHROMIUM, SCREENSHOTS, log_in
from mlcore.testing import xray_png

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]


def test_upload_see_result_find_filter_and_delete(browser_page, tmp_path):
    page, base, errors = browser_page
    log_in(page, base)
    page.screenshot(path=SCREENSHOTS / "upload.png", full_page=True)

    xray = tmp_path / "hazy-lungs.png"
    xray.write_bytes(xray_png(opaque=True))
    page.set_input_files("#id_image", str(xray))
    page.click("text=Analyse")
    page.wait_for_url(re.compile(r".*/scans/\d+/$"))
    assert page.inner_text("h1").startswith("Result")
    assert "Pneumonia" in page.inner_text("#verdict")
    assert "Score" in page.inner_text("#scale") and "cut-off" in page.inner_text("#scale")
    assert "hazy-lungs.png" in page.content()
    page.screenshot(path=SCREENSHOTS / "detail.png", full_page=True)

    page.click("#show-heatmap")  # first view: the server makes the map, the page overlays it
    page.wait_for_function(
        "() => { const i = document.getElementById('heatmap-layer');"
        " return !i.hidden && i.src.includes('heatmap') && i.complete && i.naturalWidth > 0; }"
    )
    assert "the verdict rests on it" in page.inner_text("#heatmap-legend")
    page.fill("#heatmap-opacity", "30")
    assert page.eval_on_selector("#heatmap-layer", "i => i.style.opacity") == "0.3"
    page.click("#show-original")
    assert page.is_hidden("#heatmap-layer")
    page.click("#show-heatmap")  # the map exists now: toggled in place, no reload
    assert page.is_visible("#heatmap-layer")
    page.screenshot(path=SCREENSHOTS / "detail-heatmap.png", full_page=True)

    page.click("text=History")
    assert "hazy-lungs.png" in page.inner_text("table.history")
    page.select_option("#id_predicted_class", "normal")
    page.click("text=Apply")
    assert "No scans match these filters" in page.inner_text("main")
    page.select_option("#id_predicted_class", "pneumonia")
    page.click("text=Apply")
    assert "hazy-lungs.png" in page.inner_text("table.history")
    page.screenshot(path=SCREENSHOTS / "history.png", full_page=True)

    page.click("text=hazy-lungs.png")
    page.click("text=Delete this scan")
    page.screenshot(path=SCREENSHOTS / "confirm-delete.png", full_page=True)
    page.click("button.danger")
    page.wait_for_url(base + "/scans/")
    assert "Deleted the scan of hazy-lungs.png" in page.inner_text("main")
    assert not Scan.objects.exists()
    assert errors == []


def test_drag_and_drop_upload(browser_page):
    page, base, errors = browser_page
    log_in(page, base)
    payload = base64.b64encode(xray_png(seed=5)).decode()

    page.evaluate(
        """(payload) => {
            const bytes = Uint8Array.from(atob(payload), c => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], "dropped.png", {type: "image/png"}));
            const zone = document.getElementById("dropzone");
            zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: transfer, bubbles: true}));
            zone.dispatchEvent(new DragEvent("drop", {dataTransfer: transfer, bubbles: true}));
        }""",
        payload,
    )
    assert page.inner_text("#dropzone-text") == "dropped.png"
    page.click("text=Analyse")
    page.wait_for_url(re.compile(r".*/scans/\d+/$"))
    assert "dropped.png" in page.content()
    assert errors == []


def test_upload_form_checks_the_limits_then_shows_progress_per_file(
    browser_page, tmp_path, settings
):
    page, base, errors = browser_page
    settings.PNEUMO_MAX_BATCH_FILES = 2
    log_in(page, base)
    paths = []
    for index in range(3):
        paths.append(tmp_path / f"chest-{index}.png")
        paths[-1].write_bytes(xray_png(seed=index))
    page.set_input_files("#id_image", [str(path) for path in paths])
    page.click("#upload-form button[type=submit]")
    assert "at most 2 can be analysed at once" in page.inner_text("#upload-problem")
    assert not Scan.objects.exists()  # nothing was sent

    page.set_input_files("#id_image", [str(path) for path in paths[:2]])
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/scans/\?batch=\d+,\d+$"))
    assert page.locator("tr.new-scan").count() == 2
    assert errors == []


def test_api_docs_work_offline(browser_page):
    page, base, errors = browser_page
    page.goto(base + "/api/docs/")
    page.wait_for_selector("text=/api/scans/", timeout=20_000)
    page.screenshot(path=SCREENSHOTS / "api-docs.png", full_page=False)
    assert errors == []


def test_review_a_worklist_with_the_keyboard(browser_page, make_scan):
    from django.contrib.auth.models import Permission

    page, base, errors = browser_page
    alice = get_user_model().objects.get(username="alice")
    # The permission, not the Reviewers group: flushing between transactional tests drops
    # the group the migration made, while Django recreates permissions after a flush.
    alice.user_permissions.add(Permission.objects.get(codename="review_scan"))
    first = make_scan(alice, name="first.png", seed=1)
    second = make_scan(alice, name="second.png", seed=2, opaque=True)
    log_in(page, base)

    page.goto(base + first.get_absolute_url())
    page.keyboard.press("n")
    page.wait_for_selector("text=Reviewed: normal.")
    assert "Confirmed normal" in page.inner_text("#review-current")

    page.keyboard.press("j")
    page.wait_for_url(base + second.get_absolute_url())
    page.fill("#review-comment", "hazy lower lobes")
    page.keyboard.press("p")  # typing in the comment: no shortcut
    assert page.url == base + second.get_absolute_url()
    assert page.input_value("#review-comment") == "hazy lower lobesp"
    page.fill("#review-comment", "hazy lower lobes")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("p")
    page.wait_for_selector("text=Reviewed: pneumonia.")
    assert "hazy lower lobes" in page.inner_text("#review-comment-shown")
    page.screenshot(path=SCREENSHOTS / "detail-review.png", full_page=True)

    page.keyboard.press("c")
    page.wait_for_selector("text=Review cleared.")
    assert "Not reviewed yet." in page.inner_text("#review-current")
    reviews = dict(Scan.objects.values_list("original_filename", "review_finding"))
    assert reviews == {"first.png": "normal", "second.png": ""}
    assert errors == []
