"""Screenshots of the portal for the README: overview and reference, desktop and narrow.

Run with `make screenshots` (writes docs/images/) or `python docs/screenshots.py --out DIR`.
Uses Debian's Chromium through Playwright, against a mock started on a free loopback port.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from mockserver import MockServer

# The browser settings the tests use: one place for Debian Chromium's offline, root-safe flags.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.portal.browser import CHROMIUM_ARGS, chromium_path

VIEWPORTS = {"desktop": (1366, 900), "narrow": (390, 844)}


def take(out: Path) -> list[Path]:
    """Write the four screenshots into ``out``; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    chromium = chromium_path()
    written = []
    with MockServer() as mock, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for name, (width, height) in VIEWPORTS.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{mock.url}/docs/")
            page.get_by_role("button", name="Request token").click()
            page.wait_for_selector("#token-status[data-state='ok']")
            page.locator("#quickstart").scroll_into_view_if_needed()
            page.evaluate("window.scrollTo(0, 0)")
            path = out / f"portal-overview-{name}.png"
            page.screenshot(path=path)
            written.append(path)
            page.goto(f"{mock.url}/docs/reference#projects.get")
            page.wait_for_selector("article.endpoint.selected")
            page.evaluate("window.scrollTo(0, 0)")
            path = out / f"portal-reference-{name}.png"
            page.screenshot(path=path)
            written.append(path)
            page.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "images")
    args = parser.parse_args()
    for path in take(args.out):
        print(path)


if __name__ == "__main__":
    main()
