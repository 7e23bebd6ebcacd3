"""The Train view as a class sees it: a live loss chart with numeric axes,
one drawn line per split and the best epoch marked."""

from __future__ import annotations

import shutil

import pytest

from browser import CHROMIUM, CHROMIUM_FLAGS, open_tab
from conftest import CHECKPOINTS
from studio_server import running_studio

NAME = "train-view-test"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_live_loss_chart_draws_lines_on_a_numeric_axis():
    from playwright.sync_api import sync_playwright

    try:
        with running_studio() as (url, _), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url)
            open_tab(page, "Train")
            page.get_by_label("Save as").fill(NAME)
            page.get_by_label("Time budget (minutes)").last.fill("0.25")
            page.get_by_role("button", name="Train", exact=True).click()
            page.wait_for_function(
                "() => [...document.querySelectorAll('#lm-train-curve polyline.lm-line')]"
                ".filter(line => line.getAttribute('points').trim().split(' ').length >= 3).length === 2",
                timeout=90_000)
            ticks = [float(value) for value in page.locator("#lm-train-curve .lm-y-tick").all_text_contents()]
            assert len(ticks) == 5 and ticks == sorted(ticks) and ticks[0] < ticks[-1]
            assert page.locator("#lm-train-curve line.lm-best").count() == 1
            page.get_by_text(f"saved **{NAME}**").or_(page.get_by_text(f"saved {NAME}")).first.wait_for(timeout=90_000)
            browser.close()
    finally:
        shutil.rmtree(CHECKPOINTS / NAME, ignore_errors=True)
