"""Screenshots of the studio as a room sees it: every tab, with its main
button pressed and its output drawn, at the sizes of a classroom's devices
(phone 390 × 844, tablet 768 × 1024, laptop 1366 × 768) in the light and
dark themes, and every presenter scene at the projector's 1280 × 720.

    python bench/screens.py [--out bench/results/screens] [--sizes phone,tablet,laptop,projector]
                            [--themes light,dark] [--tabs Generate,Score]

One studio is started (``app.py`` on a free loopback port, the shipped
checkpoints) and driven by Debian's Chromium. The pictures are written as
``THEME-SIZE-TAB.png`` (the whole page) and ``THEME-projector-scene-N.png``
(the screen, as the room sees it); open them and look.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from studio.scenes import read_scenes  # noqa: E402
from tests.support.browser import (CHROMIUM, CHROMIUM_FLAGS, SIZES, TABS, settle, show_tab,  # noqa: E402
                                   wait_for_scene)
from tests.support.studio_server import running_studio  # noqa: E402

THEMES = ("light", "dark")


def file_name(*parts: str) -> str:
    return "-".join(re.sub(r"[^a-z0-9]+", "-", part.lower()).strip("-") for part in parts) + ".png"


def tab_screens(browser, url: str, out: Path, theme: str, size: str, tabs: list[str]) -> list[Path]:
    width, height = SIZES[size]
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{url}?__theme={theme}")
    page.get_by_role("tab").first.wait_for()
    written = []
    for tab in tabs:
        show_tab(page, tab)
        path = out / file_name(theme, size, tab)
        page.screenshot(path=str(path), full_page=True)
        written.append(path)
    page.close()
    return written


def scene_screens(browser, url: str, out: Path, theme: str, scenes: int) -> list[Path]:
    width, height = SIZES["projector"]
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(f"{url}?presenter=1&__theme={theme}")
    page.get_by_role("button", name="Show this scene").click()
    written = []
    for scene in range(scenes):
        wait_for_scene(page, scene, timeout=120)
        settle(page)
        path = out / file_name(theme, "projector", f"scene {scene + 1}")
        page.screenshot(path=str(path))
        written.append(path)
        if scene + 1 < scenes:
            page.keyboard.press("ArrowRight")
    page.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPOSITORY / "bench" / "results" / "screens"))
    parser.add_argument("--sizes", default=",".join(SIZES), help=f"of {', '.join(SIZES)}")
    parser.add_argument("--themes", default=",".join(THEMES), help=f"of {', '.join(THEMES)}")
    parser.add_argument("--tabs", default=",".join(TABS), help="the tabs to show, by name")
    args = parser.parse_args()
    sizes, themes, tabs = args.sizes.split(","), args.themes.split(","), args.tabs.split(",")
    for value, allowed, flag in ((sizes, SIZES, "--sizes"), (themes, THEMES, "--themes"), (tabs, TABS, "--tabs")):
        unknown = [item for item in value if item not in allowed]
        if unknown:
            parser.error(f"{flag}: {unknown} not among {list(allowed)}")
    if not CHROMIUM.exists():
        parser.exit(1, f"error: {CHROMIUM} is not installed (apt-get install chromium)\n")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    started, written = time.perf_counter(), []
    with running_studio() as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        for theme in themes:
            for size in sizes:
                if size != "projector":
                    written += tab_screens(browser, url, out, theme, size, tabs)
            if "projector" in sizes:
                written += scene_screens(browser, url, out, theme, len(read_scenes(REPOSITORY / "scenes.toml")))
        browser.close()
    print(f"{len(written)} screenshots in {out} ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
