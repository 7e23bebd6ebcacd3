"""Presenter mode on a projector (1280 × 720): every scene, large type, no
scrolling; the scene file's format and its errors."""

from __future__ import annotations

import pytest

from browser import CHROMIUM, CHROMIUM_FLAGS
from conftest import REPO
from studio.scenes import parse_scenes, read_scenes
from studio_server import running_studio


def test_the_shipped_scenes_parse_and_bad_ones_are_named(tmp_path):
    scenes = read_scenes(REPO / "scenes.toml")
    assert len(scenes) >= 6 and scenes[0].kind == "generate" and scenes[0].settings["prompt"] == "ROMEO:\n"
    for text, message in (('[[scene]]\ntitle = "x"\nkind = "dance"', "scene 1: kind must be one of"),
                          ('[[scene]]\ntitle = "x"\nkind = "text"\nmodel = "m"', "a 'text' scene takes []"),
                          ("{not toml", "is not valid TOML"), ("", "holds no [[scene]] entries")):
        with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
            parse_scenes(text, "scenes.toml")
    (tmp_path / "broken.toml").write_text("{not toml")
    fallback = read_scenes(tmp_path / "broken.toml")
    assert len(fallback) == 1 and "could not be read" in fallback[0].say


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
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
