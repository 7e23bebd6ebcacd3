"""The page from the keyboard alone, as a student who cannot use a mouse
has it: start a sample, pick a candidate in "You are the sampler", move to
the next presenter scene; and what a screen reader hears of a sample (each
token's probability, the spans copied from the training text)."""

from __future__ import annotations

import re

from tests.support.browser import studio_page, wait_for_scene

# The focused element: its tag, its role and its text (a form control's: its label's).
FOCUSED = """() => {
  const e = document.activeElement, label = e.labels && e.labels.length ? e.labels[0] : e;
  return [e.tagName, e.getAttribute('role'), (label.textContent || '').trim()];
}"""


def press_tab_until(page, wanted, limit: int = 150) -> None:
    """Press Tab until the focused element satisfies ``wanted(tag, role, text)``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if wanted(*page.evaluate(FOCUSED)):
            return
    raise AssertionError(f"Tab never reached the element wanted; the focus is on {page.evaluate(FOCUSED)}")


def open_tab_by_keyboard(page, name: str) -> None:
    """Tab (round the page, if need be) to tab ``name``, and Enter."""
    press_tab_until(page, lambda tag, role, text: role == "tab" and text == name)
    page.keyboard.press("Enter")


def spoken_texts(page) -> list[str]:
    """The names in the page's accessibility tree, as a screen reader gets them."""
    session = page.context.new_cdp_session(page)
    nodes = session.send("Accessibility.getFullAXTree")["nodes"]
    return [node["name"]["value"] for node in nodes if node.get("name", {}).get("value")]


def test_a_lesson_from_the_keyboard_alone(studio_url):
    with studio_page(studio_url, {"width": 1366, "height": 768}) as page:
        page.get_by_role("tab").first.wait_for()
        press_tab_until(page, lambda tag, role, text: tag == "BUTTON" and text == "Generate" and role != "tab")
        page.keyboard.press("Enter")
        page.locator("#lm-columns .lm-column .lm-shaded").first.wait_for(timeout=60_000)
        page.wait_for_function("() => !document.querySelector('#lm-columns .pending, #lm-columns .generating')")
        heard = spoken_texts(page)
        assert any(re.fullmatch(r"p [01]\.\d\d", text.strip()) for text in heard), heard[:40]
        assert any(text.strip() == "copied from the training text:" for text in heard)

        open_tab_by_keyboard(page, "You are the sampler")
        press_tab_until(page, lambda tag, role, text: tag == "BUTTON" and text == "Start")
        page.keyboard.press("Enter")
        page.locator("#lm-candidates tr[data-token-id]").first.wait_for(timeout=30_000)
        press_tab_until(page, lambda tag, role, text: tag == "TR")
        picked = page.evaluate("() => document.activeElement.querySelector('.lm-candidate').textContent")
        page.keyboard.press("Enter")
        page.wait_for_function("(picked) => document.querySelector('#lm-step-text .lm-appended')?.textContent === picked",
                               arg=picked, timeout=10_000)

        press_tab_until(page, lambda tag, role, text: tag == "INPUT" and text == "Presenter mode")
        page.keyboard.press("Space")
        page.wait_for_function("() => document.body.classList.contains('lm-presenter-mode')")
        open_tab_by_keyboard(page, "Presenter")
        press_tab_until(page, lambda tag, role, text: tag == "BUTTON" and text == "Show this scene")
        page.keyboard.press("Enter")
        wait_for_scene(page, 0)
        page.keyboard.press("ArrowRight")
        wait_for_scene(page, 1, drawn=False, timeout=30)
