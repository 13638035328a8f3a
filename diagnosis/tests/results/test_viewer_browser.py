"""The scan page's viewer in Chromium, at desktop and phone width: zoom by buttons, wheel,
keys and pinch, pan, fit and 1:1, window/level and invert on the X-ray alone, the heatmap
moving with it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from diagnosis.services import scan_upload
from diagnosis.tests.browser import CHROMIUM, SCREENSHOTS, log_in
from mlcore.testing import xray_png

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]


def scale(page) -> float:
    return float(page.get_attribute("#viewer", "data-scale"))


def transform(page) -> str:
    return page.eval_on_selector("#viewer-stage", "stage => stage.style.transform")


def pinch(page, spread_from: int, spread_to: int) -> None:
    """Two touch pointers moving apart over the viewer (synthetic pointer events)."""
    page.evaluate(
        """([start, end]) => {
          const viewer = document.getElementById("viewer");
          const box = viewer.getBoundingClientRect();
          const cx = box.left + box.width / 2, cy = box.top + box.height / 2;
          const fire = (type, id, dx) => viewer.dispatchEvent(new PointerEvent(type, {
            pointerId: id, pointerType: "touch", clientX: cx + dx, clientY: cy, bubbles: true}));
          fire("pointerdown", 1, -start); fire("pointerdown", 2, start);
          fire("pointermove", 1, -end); fire("pointermove", 2, end);
          fire("pointerup", 1, -end); fire("pointerup", 2, end);
        }""",
        [spread_from, spread_to],
    )


@pytest.mark.parametrize("width", [1366, 390])
def test_the_viewer_zooms_pans_windows_and_inverts(browser_page, width):
    page, base, errors = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    alice = get_user_model().objects.get(username="alice")
    upload = SimpleUploadedFile("chest.png", xray_png(seed=5, size=512), "image/png")
    scan, _ = scan_upload(owner=alice, uploaded_file=upload, reanalyse=True)
    log_in(page, base)
    page.goto(base + scan.get_absolute_url())
    page.wait_for_function("document.getElementById('scan-image').complete")

    assert page.is_visible("#viewer-tools") and scale(page) == 1
    page.click("[data-action=zoom-in]")
    assert scale(page) == pytest.approx(1.25)
    page.mouse.move(*center(page))
    page.mouse.wheel(0, -200)
    assert scale(page) > 1.25
    page.click("[data-action=fit]")
    assert scale(page) == 1 and "translate(0px, 0px)" in transform(page)

    page.click("[data-action=one-to-one]")
    natural, shown = page.eval_on_selector(
        "#scan-image", "image => [image.naturalWidth, image.parentElement.offsetWidth]"
    )
    assert scale(page) == pytest.approx(max(natural / shown, 1), rel=0.01)

    page.focus("#viewer")  # the keyboard: zoom, pan, fit
    page.keyboard.press("0")
    page.keyboard.press("+")
    page.keyboard.press("+")
    before = transform(page)
    page.keyboard.press("ArrowRight")
    assert scale(page) == pytest.approx(1.5625, abs=0.001) and transform(page) != before
    page.keyboard.press("0")
    pinch(page, 20, 80)  # fingers apart: zoom in about 4x
    assert scale(page) == pytest.approx(4, rel=0.05)

    page.select_option("#viewer-preset", "70,45")
    page.click("[data-action=invert]")
    assert page.get_attribute("[data-action=invert]", "aria-pressed") == "true"
    filter_ = page.eval_on_selector("#scan-image", "image => image.style.filter")
    assert "url(" in filter_ and "invert(1)" in filter_
    slope = float(page.get_attribute("#window-level feFuncR", "slope"))
    assert slope == pytest.approx(1 / 0.7, rel=0.01)
    assert page.eval_on_selector("#heatmap-layer", "layer => layer.style.filter") == ""
    page.screenshot(path=SCREENSHOTS / f"viewer-{width}.png")
    page.click("[data-action=reset]")
    assert scale(page) == 1 and page.get_attribute("#viewer", "data-window") == "100,50"
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width  # the tools wrap; nothing spills at phone width
    assert errors == []


def center(page) -> tuple[float, float]:
    box = page.locator("#viewer").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
