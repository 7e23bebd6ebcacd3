"""Temperature, explained, in headless Chromium against a real server: the
note beside the next-token distribution follows the single-sample slider,
says what ``lm`` computes for that distribution and agrees with the chart;
"Guess the temperature" hides and shuffles the columns' labels until Reveal."""

from __future__ import annotations

import re
import time
from contextlib import contextmanager

import pytest

from lm.lesson.temperature import explain_temperature
from studio.catalog import Catalog
from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS
from tests.support.paths import CHECKPOINTS
from tests.support.studio_server import running_studio

PROMPT = "JULIET:\n"
SHARE = re.compile(r"(?:under |over )?(\d+(?:\.\d+)?) %")
HEADINGS = "#lm-columns .lm-column h3"


@pytest.fixture(scope="module")
def server():
    with running_studio(LM_GENERATION_SECONDS="3") as (url, _):
        yield url


@pytest.fixture(scope="module")
def shakespeare():
    """The page's default engine for Tiny Shakespeare (int8), in this process."""
    entry = Catalog(CHECKPOINTS).get("tiny-shakespeare")
    return entry.engine(True), entry.tokenizer


@contextmanager
def studio_page(url: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(url)
        page.get_by_label("Prompt", exact=True).wait_for(timeout=30_000)
        try:
            yield page
        finally:
            browser.close()


def note_at(page, temperature: str) -> str:
    """The note's paragraph for ``temperature``, once the page shows it."""
    paragraph = page.locator(f'#lm-temperature-note p[data-temperature="{temperature}"]')
    paragraph.wait_for(timeout=30_000)
    return paragraph.inner_text()


def chart_top_row(page) -> list[float]:
    """The chart's first row (the most likely token): its probability at each temperature, legend order."""
    return [float(text.split()[-1]) for text in page.locator("table.lm-bars tr").first.locator("div").all_inner_texts()]


def test_the_note_follows_the_slider_and_shows_what_lm_computes(server, shakespeare):
    engine, tokenizer = shakespeare
    with studio_page(server) as page:
        page.get_by_label("Prompt", exact=True).fill(PROMPT)
        number = page.get_by_label("number input for Temperature (single sample)")
        notes = {}
        for value in ("0.5", "2.5", "0"):
            number.fill(value)
            notes[value] = note_at(page, value)
            assert notes[value] == explain_temperature(engine, tokenizer, PROMPT, float(value)).note
            if value != "0":  # the chart shows the slider's temperature, then T = 1
                at_value, at_one = chart_top_row(page)
                top_one, top_now = (float(share) for share in SHARE.findall(notes[value])[:2])
                assert abs(top_one - 100 * at_one) <= 0.55 and abs(top_now - 100 * at_value) <= 0.55
        assert "rises from" in notes["0.5"] and "falls from" in notes["2.5"] and "close to flat" in notes["2.5"]
        assert notes["0"].startswith("At T = 0 (greedy)")
        page.get_by_label("range slider for Temperature (single sample)").press("ArrowRight")  # 0 -> 0.05
        assert note_at(page, "0.05") == explain_temperature(engine, tokenizer, PROMPT, 0.05).note
        assert page.locator("#lm-temperature-note p").count() == 1


def headings(page) -> list[tuple[str, str, str]]:
    """Per column, in the page's HTML order: (heading, data-label, CSS order)."""
    return page.eval_on_selector_all(
        "#lm-columns .lm-column",
        "columns => columns.map(c => [c.querySelector('h3').textContent, c.dataset.label, c.style.order])")


def wait_for_headings(page, condition: str) -> None:
    """Wait until the JS ``condition`` holds for every column heading ``h``."""
    page.wait_for_function(f"() => [...document.querySelectorAll('{HEADINGS}')].every(h => {condition})")


def wait_until_streaming_ends(page, timeout: float = 30) -> None:
    last, deadline = -1, time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = page.locator("#lm-columns .lm-token").count()
        if count == last and count > 0:
            return
        last = count
        page.wait_for_timeout(1000)
    raise AssertionError("the columns kept changing")


def test_guess_the_temperature_hides_and_shuffles_the_labels_until_revealed(server):
    labels = ["T = 0.2", "T = 0.8", "T = 2"]
    with studio_page(server) as page:
        page.get_by_label("Temperatures to compare (up to 6)").fill("0.2, 0.8, 2")
        page.get_by_label("Guess the temperature").check()
        page.get_by_role("button", name="Generate", exact=True).click()
        page.wait_for_function("() => document.querySelectorAll('#lm-columns .lm-column .lm-token').length >= 30",
                               timeout=60_000)
        for moment in ("streaming", "ended"):
            shown = headings(page)
            assert [label for _, label, _ in shown] == labels, moment
            assert sorted(order for _, _, order in shown) == ["0", "1", "2"], moment
            assert all(heading == "ABC"[int(order)] for heading, _, order in shown), (moment, shown)
            assert "T =" not in page.locator("#lm-columns").inner_text(), moment
            wait_until_streaming_ends(page)
        page.get_by_role("button", name="Reveal", exact=True).click()
        wait_for_headings(page, "h.textContent.includes(': T = ')")
        shown = headings(page)
        assert [heading for heading, _, _ in shown] == [f"{'ABC'[int(order)]}: {label}" for _, label, order in shown]
        page.get_by_label("Guess the temperature").uncheck()
        wait_for_headings(page, "h.textContent.startsWith('T = ')")
        assert headings(page) == [[label, label, ""] for label in labels]
