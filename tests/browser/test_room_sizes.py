"""The page on the devices of a classroom, every tab with its main button
pressed and its output drawn: on a phone (390 × 844) the header is one short
line, no visible text is under 16 px and each tab's output starts within one
screen below its button; on a phone, a tablet and a laptop nothing scrolls
sideways and the output is within one screen of its button; axe-core finds
no critical or serious violation at phone and laptop size."""

from __future__ import annotations

import pytest

from tests.support.browser import SIZES, TABS, accessibility_violations, show_tab, studio_page, visible_texts

# Where the tab's main button ends and its output starts, in page coordinates.
BUTTON_AND_OUTPUT = """([button, output]) => {
  const buttons = [...document.querySelectorAll('button')].filter(
    (element) => element.checkVisibility() && element.textContent.trim() === button);
  const pressed = buttons[buttons.length - 1].getBoundingClientRect();
  return [pressed.bottom + scrollY, document.querySelector(output).getBoundingClientRect().top + scrollY];
}"""
CHECKED = {"phone": ("text", "axe"), "tablet": (), "laptop": ("axe",)}


def test_on_a_phone_the_header_is_one_short_line(studio_url):
    with studio_page(studio_url, {"width": 390, "height": 844}) as page:
        page.get_by_role("tab").first.wait_for()
        header = page.locator("#lm-header").bounding_box()
        assert header["height"] <= 80, header
        assert page.get_by_role("tab").first.bounding_box()["y"] < 120


@pytest.mark.parametrize("size", list(CHECKED))
def test_every_tab_fits_the_device(studio_url, size):
    width, height = SIZES[size]
    problems = []
    with studio_page(studio_url, {"width": width, "height": height}) as page:
        page.get_by_role("tab").first.wait_for()
        for tab, (button, output) in TABS.items():
            show_tab(page, tab, pause=0.3)
            scrolled = page.evaluate("document.documentElement.scrollWidth")
            if scrolled > width:
                problems.append(f"{tab}: {scrolled} px wide")
            if button and output:
                pressed, shown = page.evaluate(BUTTON_AND_OUTPUT, [button, output])
                if shown - pressed > height:
                    problems.append(f"{tab}: the output starts {shown - pressed:.0f} px below {button!r}")
            if "text" in CHECKED[size]:
                problems += [f"{tab}: {text['size']:.1f} px: {text['text']}" for text in visible_texts(page)
                             if text["size"] < 16 - 0.01]
            if "axe" in CHECKED[size]:
                problems += [f"{tab}: {violation}" for violation in accessibility_violations(page)]
    assert problems == [], f"at {width} × {height}: {problems}"
