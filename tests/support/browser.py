"""Headless Chromium for the page tests: Debian's browser, its flags, and
moving between the studio's tabs (on a phone the tabs that do not fit sit
behind Gradio's "More tabs" menu); and the one skip for a machine without it."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="Debian's chromium is not installed (.ci/run installs it)")


def open_tab(page, name: str, timeout: float = 15.0) -> None:
    """Show the studio's tab ``name``, through the overflow menu if needed
    (which tabs fit is settled a moment after the page loads)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        tab = page.get_by_role("tab", name=name, exact=True)
        if tab.count() and tab.first.is_visible():
            tab.first.click()
            return
        hidden = page.locator(".overflow-dropdown button", has_text=name)
        if hidden.count():
            page.get_by_role("button", name="More tabs").click()
            hidden.first.click()
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"no tab {name!r} on the page")
        page.wait_for_timeout(200)


def wait_for_scene(page, scene: int, drawn: bool = True, timeout: float = 60.0) -> None:
    """Wait until presenter mode shows scene ``scene`` (from 0), with its output drawn in full when ``drawn``."""
    ready = " && document.querySelector(\"#lm-presenter-output [data-ready='true']\")" if drawn else ""
    page.wait_for_function(f"(scene) => document.querySelector(`#lm-presenter-scene [data-scene='${{scene}}']`){ready}",
                           arg=scene, timeout=timeout * 1000)


@contextmanager
def studio_page(url: str, viewport: dict, tab: str | None = None):
    """A page of the studio at ``url`` in a fresh headless Chromium, on ``tab``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport=viewport)
        page.goto(url)
        if tab is not None:
            open_tab(page, tab)
        try:
            yield page
        finally:
            browser.close()
