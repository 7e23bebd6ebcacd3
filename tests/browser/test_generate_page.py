"""The Generate view in headless Chromium: one labelled column per
temperature, the Hub models offered beside the shipped ones."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS


def test_the_page_shows_one_labelled_column_per_temperature(hub_studio_url, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(hub_studio_url)
        page.get_by_label("Model").first.click()
        assert page.get_by_role("option", name="Numbers from the Hub · Hub, downloads on first use").is_visible()
        page.get_by_role("option", name="tiny-shakespeare", exact=True).click()
        prompt = page.get_by_label("Prompt")
        prompt.fill("JULIET:\n")
        temperatures = page.get_by_label("Temperatures to compare (up to 6)")
        temperatures.fill("0.3, 0.9, 1.6")
        page.get_by_role("button", name="Generate", exact=True).click()
        columns = page.locator(".lm-column")
        columns.nth(2).wait_for(timeout=30_000)
        assert [columns.nth(i).get_attribute("data-label") for i in range(columns.count())] == ["T = 0.3", "T = 0.9", "T = 1.6"]
        page.wait_for_function(
            "() => [...document.querySelectorAll('.lm-column .lm-token')].length >= 3 * 50", timeout=60_000
        )
        for i in range(3):
            assert columns.nth(i).locator(".lm-token").count() > 0
        temperatures.fill("0.3, 9")  # a student's error: one message, no "Error" badge in every output box
        page.get_by_role("button", name="Generate", exact=True).click()
        message = page.get_by_text("temperature must be in [0, 5], got 9")
        message.first.wait_for(timeout=30_000)
        assert sum(item.is_visible() for item in message.all()) == 1
        badges = page.locator("[data-testid='status-tracker'] .error")
        assert not any(badge.is_visible() for badge in badges.all())
        temperatures.fill("0.3, 0.9, 1.6")
        screenshot = Path(os.environ.get("LM_SCREENSHOT") or tmp_path / "generate-view.png")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(screenshot))
        assert screenshot.stat().st_size > 10_000
        browser.close()
