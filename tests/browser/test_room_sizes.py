"""The page on the devices of a classroom: on a phone the header is one
short line and the tabs start right under it; on a phone, a tablet and a
laptop no tab scrolls sideways."""

from __future__ import annotations

import pytest

from tests.support.browser import open_tab, studio_page

SIZES = {"phone": (390, 844), "tablet": (768, 1024), "laptop": (1366, 768)}
TABS = ["Generate", "You are the sampler", "Every model", "Time-lapse", "Inside", "Score", "Model card", "Train",
        "Presenter"]


def test_on_a_phone_the_header_is_one_short_line(studio_url):
    with studio_page(studio_url, {"width": 390, "height": 844}) as page:
        page.get_by_role("tab").first.wait_for()
        header = page.locator("#lm-header").bounding_box()
        assert header["height"] <= 80, header
        assert page.get_by_role("tab").first.bounding_box()["y"] < 120


@pytest.mark.parametrize("size", list(SIZES))
def test_no_tab_scrolls_sideways(studio_url, size):
    width, height = SIZES[size]
    with studio_page(studio_url, {"width": width, "height": height}) as page:
        page.get_by_role("tab").first.wait_for()
        wide = []
        for tab in TABS:
            open_tab(page, tab)
            page.wait_for_timeout(200)
            scrolled = page.evaluate("document.documentElement.scrollWidth")
            if scrolled > width:
                wide.append((tab, scrolled))
        assert wide == [], f"at {width} × {height} these tabs are wider than the screen: {wide}"
