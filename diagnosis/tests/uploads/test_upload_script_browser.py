"""The upload script (every real browser runs it) says what the plain form says: each
file's reason, the "uploaded before" notes, on a results page rendered once; and it
refuses a file over the size limit before sending a byte."""

from __future__ import annotations

import re

import pytest

from diagnosis.models import Scan
from diagnosis.tests.browser import CHROMIUM, log_in
from mlcore.testing import xray_png

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]


def results_page_loads(page) -> list[str]:
    loads: list[str] = []
    page.on(
        "request",
        lambda request: (
            loads.append(request.url)
            if request.resource_type == "document" and "/scans/" in request.url
            else None
        ),
    )
    return loads


def test_every_files_reason_and_the_duplicate_note_reach_the_page_once(browser_page, tmp_path):
    page, base, errors = browser_page
    log_in(page, base)
    good, empty, text = tmp_path / "good.png", tmp_path / "empty.jpg", tmp_path / "notes.jpg"
    good.write_bytes(xray_png(seed=1))
    empty.write_bytes(b"")
    text.write_text("not an image at all, just words")
    loads = results_page_loads(page)

    page.set_input_files("#id_image", [str(good), str(empty), str(text)])
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/scans/\?batch=\d+$"))
    page.wait_for_load_state("load")

    banners = page.inner_text("main")
    assert "Analysed 1 of 3 files." in banners
    assert "empty.jpg was not analysed: The file is empty." in banners
    assert "notes.jpg was not analysed" in banners
    assert len(loads) == 1, loads  # rendered once

    page.goto(base + "/")
    loads.clear()
    page.set_input_files("#id_image", str(good))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/scans/\d+/$"))
    page.wait_for_load_state("load")
    assert "good.png was uploaded before" in page.inner_text("main")
    assert len(loads) == 1, loads
    assert errors == []


def test_a_file_over_the_limit_is_refused_before_sending(browser_page, tmp_path, settings):
    page, base, errors = browser_page
    settings.PNEUMO_MAX_UPLOAD_BYTES = 300_000
    log_in(page, base)
    assert "300 KB" not in page.inner_text("#upload-limits")
    assert "0.3 MB each" in page.inner_text("#upload-limits")
    big = tmp_path / "big.png"
    big.write_bytes(xray_png(seed=2) + b"\0" * 400_000)
    posts: list[str] = []
    page.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )

    page.set_input_files("#id_image", str(big))
    page.click("#upload-form button[type=submit]")

    problem = page.inner_text("#upload-problem")
    assert "big.png is 0.4 MB; the limit is 0.3 MB a file." in problem
    assert posts == [] and not Scan.objects.exists()
    assert errors == []


def test_the_script_speaks_the_pages_language(browser_page, tmp_path, settings):
    page, base, errors = browser_page
    settings.PNEUMO_MAX_UPLOAD_BYTES = 300_000
    page.set_extra_http_headers({"Accept-Language": "zh-CN"})
    log_in(page, base)
    small, big = tmp_path / "small.png", tmp_path / "big.png"
    small.write_bytes(xray_png(seed=1))
    big.write_bytes(xray_png(seed=2) + b"\0" * 400_000)

    page.set_input_files("#id_image", [str(small), str(big)])
    assert page.inner_text("#dropzone-text") == "已选择 2 个文件"
    page.click("#upload-form button[type=submit]")

    assert "big.png 大小为 0.4 MB；每个文件的上限为 0.3 MB。" in page.inner_text("#upload-problem")
    assert errors == []
