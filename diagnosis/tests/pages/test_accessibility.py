"""Accessibility checked by a tool nobody here wrote: axe-core (axe-playwright-python's
bundled axe.min.js) on every page, at 1366 px and 390 px, in English and in Chinese: no
serious or critical violation, and no page wider than the screen. Every violation found
(any impact) is written to $PNEUMO_SCREENSHOT_DIR/axe-*.txt.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from diagnosis.models import Scan
from diagnosis.services import scan_upload
from diagnosis.tests.browser import CHROMIUM, SCREENSHOTS, log_in
from mlcore.testing import xray_png

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]
BLOCKING = {"serious", "critical"}


def pages(scan: Scan, other: Scan) -> dict[str, str]:
    return {
        "upload": reverse("diagnosis:upload"),
        "history": reverse("diagnosis:scan-history"),
        "result": scan.get_absolute_url(),
        "result with heatmap": scan.get_absolute_url() + "?view=heatmap",
        "not recognised": other.get_absolute_url(),
        "confirm the override": reverse("diagnosis:scan-override-gate", kwargs={"pk": other.pk}),
        "report": reverse("diagnosis:scan-report", kwargs={"pk": scan.pk}),
        "side by side": reverse(
            "diagnosis:scan-compare", kwargs={"pk": scan.pk, "other": other.pk}
        ),
        "delete": reverse("diagnosis:scan-delete", kwargs={"pk": scan.pk}),
        "worklist": reverse("diagnosis:worklist"),
        "model card": reverse("diagnosis:model-card"),
        "site performance": reverse("diagnosis:model-site"),
        "audit trail": reverse("diagnosis:audit"),
        "PACS": reverse("integration"),
        "password change": reverse("password_change"),
    }  # fmt: skip


def violations(page, axe: Axe) -> list[dict]:
    return axe.run(page).response["violations"]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("width", [1366, 390])
def test_no_serious_or_critical_violation_on_any_page(browser_page, width, language):
    page, base, errors = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    page.set_extra_http_headers({"Accept-Language": language})
    alice = get_user_model().objects.get(username="alice")
    alice.is_staff = True  # every page: the worklist, the audit trail, the PACS page
    alice.save()
    scans = []
    for seed, opaque in ((1, True), (2, False)):
        upload = SimpleUploadedFile(
            f"chest-{seed}.png", xray_png(seed=seed, opaque=opaque), "image/png"
        )
        scans.append(scan_upload(owner=alice, uploaded_file=upload, reanalyse=True)[0])
    Scan.objects.filter(pk=scans[1].pk).update(
        status=Scan.Status.NOT_RECOGNISED, predicted_class=""
    )
    # a reviewed scan: the site performance page shows its tables
    Scan.objects.filter(pk=scans[0].pk).update(review_finding="pneumonia", reviewed_by=alice)
    axe = Axe()
    found: dict[str, list[dict]] = {}

    page.goto(base + reverse("login"))
    assert page.get_attribute("html", "lang") == language
    found["login"] = violations(page, axe)
    log_in(page, base)
    too_wide = {}
    for name, url in pages(*scans).items():
        page.goto(base + url)
        page.wait_for_load_state("load")
        found[name] = violations(page, axe)
        page_width = page.evaluate("document.documentElement.scrollWidth")
        if page_width > width:  # a table or a form spilling out of the page
            too_wide[name] = page_width

    lines = [
        f"{name}: {v['id']} ({v['impact']}) x{len(v['nodes'])}: {v['help']}"
        for name, found_on_page in found.items()
        for v in found_on_page
    ]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"axe-{width}-{language}.txt").write_text(
        f"{len(found)} pages at {width} px in {language}\n" + "\n".join(lines) + "\n"
    )
    blocking = [line for line in lines if any(f"({impact})" in line for impact in BLOCKING)]
    assert blocking == [], "\n".join(blocking)
    assert too_wide == {}
    assert errors == []
