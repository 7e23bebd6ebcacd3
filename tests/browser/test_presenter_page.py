"""Presenter mode on a projector (1280 × 720) in headless Chromium: every
scene, no text under 24 px, no scrolling, nothing cut, nothing axe-core
finds critical or serious; the sampler scene shows all its candidates and the
word model's scene a passage of several lines."""

from __future__ import annotations

from studio.scenes import read_scenes
from tests.support.browser import (CHROMIUM, CHROMIUM_FLAGS, accessibility_violations, visible_texts,
                                   wait_for_scene)
from tests.support.paths import REPO
from tests.support.studio_server import running_studio

SCENE = "#lm-presenter-scene, #lm-presenter-output, .lm-presenter-join"  # the scene's counter, its output, the join box


def test_every_scene_fits_a_projector_in_large_type():
    from playwright.sync_api import sync_playwright

    scenes = read_scenes(REPO / "scenes.toml")
    count = len(scenes)
    with running_studio(LM_PUBLIC_URL="http://192.0.2.7:7860/") as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(url + "?presenter=1")
        page.wait_for_function("() => document.body.classList.contains('lm-presenter-mode')", timeout=30_000)
        page.get_by_role("button", name="Show this scene").click()
        for scene in range(count):
            wait_for_scene(page, scene)
            page.wait_for_timeout(300)
            height = page.evaluate("() => [document.documentElement.scrollHeight, window.innerHeight]")
            assert height[0] <= height[1], f"scene {scene + 1} scrolls: {height}"
            texts = visible_texts(page, SCENE)
            small = [text["text"] for text in texts if text["size"] < 24]
            assert texts and not small, f"scene {scene + 1}: text under 24 px: {small}"
            box = page.locator(".lm-presenter-output").bounding_box()  # nothing cut off at the bottom of the output
            cut = [text["text"] for text in texts if text["root"] == "lm-presenter-output"
                   and not (text["top"] >= box["y"] - 1 and text["bottom"] <= box["y"] + box["height"] + 1)]
            assert not cut, f"scene {scene + 1}: cut off at the bottom of the output: {cut}"
            assert accessibility_violations(page) == [], f"scene {scene + 1}"
            settings = scenes[scene].settings
            if scenes[scene].kind == "sampler":
                assert page.locator("#lm-presenter-output tr[data-token-id]").count() == settings["k"]
            if scenes[scene].kind == "generate" and settings["model"] == "tiny-shakespeare-words":
                text = page.locator("#lm-presenter-output .lm-text").first.inner_text()
                assert len([line for line in text.split("\n") if line.strip()]) >= 3, text  # a passage, not a line
            assert "http://192.0.2.7:7860/" in page.locator(".lm-presenter-join").inner_text()
            assert page.locator(".lm-presenter-join svg").count() == 1  # the QR code
            if scene + 1 < count:
                page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowLeft")
        wait_for_scene(page, count - 2, drawn=False, timeout=30)
        browser.close()
