"""Screenshots for README and docs/: the real site (gunicorn, the model) in Debian's Chromium.

`python -m bench.screenshots IMAGE [IMAGE ...] --out docs/screenshots` uploads the given
X-rays through the form and saves upload, detail, heatmap, history, model card and worklist
pages, and the upload and result pages in Chinese.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from bench import load

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def make_reviewer(server: load.Server, user: str) -> None:
    server.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import Group; "
        "from django.contrib.auth import get_user_model; "
        f"Group.objects.get(name='Reviewers').user_set.add("
        f"get_user_model().objects.get(username='{user}'))",
    )


def chinese(browser, server: load.Server, user: str, out: Path) -> None:
    """The upload page and the latest result as a browser set to Chinese sees them."""
    page = browser.new_page(locale="zh-CN", viewport={"width": 1200, "height": 860})
    page.goto(server.base + "/accounts/login/")
    page.fill("#id_username", user)
    page.fill("#id_password", load.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.base + "/")
    page.screenshot(path=out / "upload-zh.png")
    page.goto(server.base + "/scans/")
    page.click("table.history tbody tr a >> nth=1")
    page.wait_for_url(re.compile(r".*/scans/\d+/$"))
    page.screenshot(path=out / "detail-zh.png")
    page.close()


def main(argv: list[str] | None = None) -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("images", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--model", type=Path, default=ROOT / "mlcore" / "shipped_model")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    with load.running_server(1, args.model) as server, sync_playwright() as playwright:
        user = next(iter(load.create_users(server, 1)))
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1200, "height": 860})
        page.set_default_timeout(120_000)
        page.goto(server.base + "/accounts/login/")
        page.fill("#id_username", user)
        page.fill("#id_password", load.PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(server.base + "/")
        page.screenshot(path=args.out / "upload.png")
        for image in args.images:
            page.goto(server.base + "/")
            page.set_input_files("#id_image", str(image))
            page.click("text=Analyse")
            page.wait_for_url(re.compile(r".*/scans/\d+/$"))
        page.screenshot(path=args.out / "detail.png")
        page.click("#show-heatmap")  # the first view of a map reloads the page with it
        page.wait_for_function(
            "() => { const i = document.getElementById('heatmap-layer');"
            " return i && !i.hidden && i.complete && i.naturalWidth > 0; }"
        )
        page.screenshot(path=args.out / "detail-heatmap.png")
        page.goto(server.base + "/scans/")
        page.screenshot(path=args.out / "history.png")
        page.goto(server.base + "/model/")
        page.screenshot(path=args.out / "model-card.png", full_page=True)
        make_reviewer(server, user)
        page.goto(server.base + "/worklist/")
        page.screenshot(path=args.out / "worklist.png")
        chinese(browser, server, user, args.out)
        browser.close()
    print(f"Screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
