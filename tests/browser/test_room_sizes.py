"""The page on the devices of a classroom, every tab with its main button
pressed and its output drawn: on a phone (390 × 844) the header is one short
line, no visible text is under 16 px and each tab's output starts within one
screen below its button; on a phone, a tablet and a laptop nothing scrolls
sideways and the output is within one screen of its button; axe-core finds
no critical or serious violation at phone and laptop size."""

from __future__ import annotations

from tests.support.browser import SIZES, TABS, accessibility_violations, open_tab, show_tab, studio_page, visible_texts

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


def test_every_tab_fits_each_device(studio_url):
    """Every tab's output is drawn once, on a phone; the same page is then laid out at each size."""
    problems = []
    with studio_page(studio_url, {"width": 390, "height": 844}) as page:
        page.get_by_role("tab").first.wait_for()
        for tab in TABS:
            show_tab(page, tab, pause=0.3)
        for size, checks in CHECKED.items():
            width, height = SIZES[size]
            page.set_viewport_size({"width": width, "height": height})
            for tab in TABS:
                open_tab(page, tab)
                page.wait_for_timeout(300)
                problems += [f"{size}, {tab}: {problem}" for problem in misfits(page, tab, width, height, checks)]
    assert problems == [], problems


def misfits(page, tab: str, width: int, height: int, checks: tuple[str, ...]) -> list[str]:
    """What of ``tab`` does not fit a ``width`` × ``height`` screen, as ``checks`` ask."""
    found, (button, output) = [], TABS[tab]
    scrolled = page.evaluate("document.documentElement.scrollWidth")
    if scrolled > width:
        found.append(f"{scrolled} px wide")
    if button and output:
        pressed, shown = page.evaluate(BUTTON_AND_OUTPUT, [button, output])
        if shown - pressed > height:
            found.append(f"the output starts {shown - pressed:.0f} px below {button!r}")
    if "text" in checks:
        found += [f"{text['size']:.1f} px: {text['text']}" for text in visible_texts(page) if text["size"] < 16 - 0.01]
    if "axe" in checks:
        found += accessibility_violations(page)
    return found
