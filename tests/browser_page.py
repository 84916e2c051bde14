"""Headless Chromium for the browser tests (Debian's chromium, driven by Playwright).

:func:`local_page` opens one page on a local HTML file and collects every
console error, page error and request that leaves the file (the pages must
be self-contained) into ``problems``, for the test to assert empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "out" / "test-artifacts"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
LOCAL = ("file:", "data:", "blob:")

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
)


@contextmanager
def local_page(path: Path, problems: list[str]) -> Iterator:
    """A Playwright page (1280 x 900) showing ``path``, loaded; closed afterwards."""
    from playwright.sync_api import sync_playwright

    def on_console(message) -> None:
        if message.type == "error":
            problems.append(f"console {message.type}: {message.text}")

    def on_request(request) -> None:
        if not request.url.startswith(LOCAL):
            problems.append(f"request: {request.url}")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", on_console)
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.on("request", on_request)
            page.goto(path.as_uri(), wait_until="load")
            yield page
        finally:
            browser.close()
