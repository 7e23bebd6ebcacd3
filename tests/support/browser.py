"""Headless Chromium for the page tests: Debian's browser, its flags, and
moving between the studio's tabs (on a phone the tabs that do not fit sit
behind Gradio's "More tabs" menu); each tab's main button and the element
its output is drawn in (``TABS``, ``show_tab``); the sizes of a classroom's
devices; the visible texts as drawn; axe-core's serious findings; and the
one skip for a machine without the browser."""

from __future__ import annotations

import time
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="Debian's chromium is not installed (.ci/run installs it)")

SIZES = {"phone": (390, 844), "tablet": (768, 1024), "laptop": (1366, 768), "projector": (1280, 720)}
# tab -> (its main button, the element its output is drawn in); None: the tab shows what it has on opening
TABS = {
    "Generate": ("Generate", "#lm-columns .lm-column"),
    "You are the sampler": ("Start", "#lm-candidates tr"),
    "Every model": ("Run every model", "#lm-every-model .lm-every-column"),
    "Time-lapse": ("Show the time-lapse", "#lm-time-lapse .lm-lapse-column"),
    "One step": ("Write and explain", "#lm-explain .lm-explain"),
    "Inside": ("Generate and look inside", "#lm-heatmap tr"),
    "Score": ("Score", "#lm-score .lm-text"),
    "Model card": (None, "#lm-card-curve svg"),
    "Train": (None, None),
    "Presenter": ("Show this scene", "#lm-presenter-output [data-ready='true']"),
}
SCORED_TEXT = "ROMEO: But soft, what light through yonder window breaks?"


def open_tab(page, name: str, timeout: float = 15.0) -> None:
    """Show the studio's tab ``name``, through the overflow menu if needed
    (which tabs fit is settled a moment after the page loads)."""
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


def settle(page, seconds: float = 1.0) -> None:
    """Wait until no request of the page is pending, then a moment for the last paint."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and page.locator(".pending, .generating").count():
        page.wait_for_timeout(200)
    page.wait_for_timeout(seconds * 1000)


def show_tab(page, tab: str, pause: float = 1.0) -> None:
    """Open ``tab``, press its main button and wait for its output."""
    open_tab(page, tab)
    button, output = TABS[tab]
    if tab == "Score":
        page.get_by_label("Text").last.fill(SCORED_TEXT)
    if button is not None:
        page.get_by_role("button", name=button, exact=True).last.click()
    if output is not None:
        page.locator(output).first.wait_for(timeout=120_000)
    settle(page, pause)


# Each visible piece of text inside the elements ``roots`` selects: its font size as drawn (an SVG's text scaled as
# its picture is), its top and bottom on the screen, the id of the root it lies in, and its first characters.
VISIBLE_TEXTS = """(roots) => {
  const found = [];
  document.querySelectorAll(roots).forEach((root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode, element = node.parentElement;
      if (!node.textContent.trim() || element.closest('script, style, .sr-only')) continue;
      const box = element.getBoundingClientRect();
      if (!box.width || !box.height || !element.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
      let size = parseFloat(getComputedStyle(element).fontSize);
      const svg = element.closest('svg');
      if (svg && svg.viewBox.baseVal && svg.viewBox.baseVal.width) {
        size *= svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      }
      found.push({size, top: box.top, bottom: box.bottom, root: root.id, text: node.textContent.trim().slice(0, 30)});
    }
  });
  return found;
}"""


def visible_texts(page, roots: str = "body") -> list[dict]:
    """The page's visible texts under ``roots`` (see ``VISIBLE_TEXTS``)."""
    return page.evaluate(VISIBLE_TEXTS, roots)


def accessibility_violations(page) -> list[str]:
    """axe-core's critical and serious findings on what the page shows now
    (WCAG 2.1 A and AA, and axe's best practices), one line each."""
    from axe_playwright_python.sync_playwright import Axe

    rules = {"runOnly": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"], "resultTypes": ["violations"]}
    found = Axe().run(page, options=rules).response["violations"]
    return [f"{violation['id']} ({violation['impact']}): {node['html'][:120]}"
            for violation in found if violation["impact"] in ("critical", "serious") for node in violation["nodes"]]


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
