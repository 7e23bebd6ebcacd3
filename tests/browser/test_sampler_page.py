"""The "You are the sampler" view in headless Chromium (desktop and phone):
a clicked candidate is appended, Undo takes it back, the model can draw."""

from __future__ import annotations

import pytest

from tests.support.browser import studio_page


def be_the_sampler(server: str, viewport: dict) -> None:
    with studio_page(server, viewport, "You are the sampler") as page:
        page.get_by_role("button", name="Start").click()
        rows = page.locator("#lm-candidates tr[data-token-id]")
        rows.first.wait_for(timeout=30_000)
        assert rows.count() == 10
        text = page.locator("#lm-step-text .lm-step-text")
        before = text.inner_text()
        token = rows.nth(1).locator(".lm-candidate").inner_text()
        rows.nth(1).click()
        page.wait_for_function(
            "(before) => { const t = document.querySelector('#lm-step-text .lm-step-text');"
            " return t && t.innerText !== before; }", arg=before, timeout=30_000)
        grown = text.inner_text()
        expected = {"⏎ (new line)": "\n", "␣ (space)": " "}.get(token, token)
        assert grown == before + expected
        page.get_by_role("button", name="Undo").click()
        page.wait_for_function(
            "(before) => document.querySelector('#lm-step-text .lm-step-text').innerText === before",
            arg=before, timeout=30_000)
        page.get_by_role("button", name="Let the model draw").click()
        page.wait_for_function(
            "() => document.querySelector('#lm-candidates tr.lm-drawn') !== null", timeout=30_000)


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 720}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_clicking_a_candidate_appends_it_and_undo_removes_it(studio_url, viewport):
    be_the_sampler(studio_url, viewport)
