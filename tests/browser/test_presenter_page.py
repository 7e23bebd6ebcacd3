"""Presenter mode on a projector (1280 × 720) in headless Chromium: every
scene, large type, no scrolling."""

from __future__ import annotations

from studio.scenes import read_scenes
from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS
from tests.support.paths import REPO
from tests.support.studio_server import running_studio


def test_every_scene_fits_a_projector_in_large_type():
    from playwright.sync_api import sync_playwright

    count = len(read_scenes(REPO / "scenes.toml"))
    with running_studio(LM_PUBLIC_URL="http://192.0.2.7:7860/") as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(url + "?presenter=1")
        page.wait_for_function("() => document.body.classList.contains('lm-presenter-mode')", timeout=30_000)
        page.get_by_role("button", name="Show this scene").click()
        for scene in range(count):
            page.wait_for_function(
                "(scene) => document.querySelector(`#lm-presenter-scene [data-scene='${scene}']`) &&"
                " document.querySelector(\"#lm-presenter-output [data-ready='true']\")", arg=scene, timeout=60_000)
            page.wait_for_timeout(300)
            height = page.evaluate("() => [document.documentElement.scrollHeight, window.innerHeight]")
            assert height[0] <= height[1], f"scene {scene + 1} scrolls: {height}"
            size = page.evaluate("() => parseFloat(getComputedStyle(document.querySelector('.lm-presenter-say')).fontSize)")
            assert size >= 24, f"scene {scene + 1}: text of {size} px"
            assert "http://192.0.2.7:7860/" in page.locator(".lm-presenter-join").inner_text()
            assert page.locator(".lm-presenter-join svg").count() == 1  # the QR code
            if scene + 1 < count:
                page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowLeft")
        page.wait_for_function("(scene) => document.querySelector(`#lm-presenter-scene [data-scene='${scene}']`)",
                               arg=count - 2, timeout=30_000)
        browser.close()
