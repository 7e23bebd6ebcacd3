"""The "You are the sampler" view in headless Chromium (desktop and phone):
a clicked candidate is appended, Undo takes it back, the model can draw, a
new temperature redraws the candidates, and a token the model does not know
is refused with its message. After Start,
every click goes to the plain route ``sampler/step``: no Gradio request."""

from __future__ import annotations

import pytest

from tests.support.browser import studio_page

TEXT = "#lm-step-text .lm-step-text"


def wait_for_text(page, expected: str) -> None:
    page.wait_for_function(f"(expected) => document.querySelector('{TEXT}')?.innerText === expected",
                           arg=expected, timeout=30_000)


def be_the_sampler(server: str, viewport: dict) -> None:
    with studio_page(server, viewport, "You are the sampler") as page:
        page.get_by_role("button", name="Start").click()
        rows = page.locator("#lm-candidates tr[data-token-id]")
        rows.first.wait_for(timeout=30_000)
        assert rows.count() == 10
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        page.get_by_label("Your own token").fill("☃")
        page.get_by_role("button", name="Add", exact=True).click()
        alert = page.locator("#lm-candidates .lm-step-error[role=alert]")
        alert.wait_for(timeout=30_000)
        assert "not in the model's vocabulary" in alert.inner_text()
        assert rows.count() == 10  # the candidates stay under the message
        text = page.locator(TEXT)
        before = text.inner_text()
        token = rows.nth(1).locator(".lm-candidate").inner_text()
        rows.nth(1).click()
        wait_for_text(page, before + {"⏎ (new line)": "\n", "␣ (space)": " "}.get(token, token))
        assert alert.count() == 0  # the next answer replaces the message
        page.get_by_role("button", name="Undo").click()
        wait_for_text(page, before)
        page.get_by_role("button", name="Let the model draw").click()
        page.wait_for_function(
            "() => document.querySelector('#lm-candidates tr.lm-drawn') !== null", timeout=30_000)
        temperature = page.locator("#lm-step-temperature input[type=number]")
        temperature.fill("0.5")
        temperature.press("Enter")
        page.locator("#lm-candidates .lm-step-bar.lm-at-one").first.wait_for(timeout=30_000)  # T = 1 beside T = 0.5
        assert not [url for url in requests if "/gradio_api/" in url], requests
        assert sum(url.endswith("/sampler/step") for url in requests) >= 5


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 720}, {"width": 390, "height": 844}],
                         ids=["desktop", "phone"])
def test_clicks_after_start_go_to_the_plain_route_and_draw_as_before(studio_url, viewport):
    be_the_sampler(studio_url, viewport)
