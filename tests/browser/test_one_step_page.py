"""The One step tab in headless Chromium at laptop size: a written sample
explained from its first written token, the temperature slider redrawing
the probabilities and re-picking the token with no request sent (the
re-pick equal to what ``lm.generate`` writes at that temperature), a click
on a unit writing out its update, stepping forwards, axe-core clean; and
the ways in: a token clicked in a Generate column and the sampler's last
token. (The phone's and the projector's rules for this tab and its scene are
held by ``test_room_sizes`` and ``test_presenter_page``, which go through
every tab and every scene.)"""

from __future__ import annotations

import json

from lm.checkpoints import load_folder
from lm.sampling import SamplingSettings, generate
from lm.tokenizer import EOS_ID
from tests.support.browser import accessibility_violations, open_tab, settle, studio_page
from tests.support.paths import CHECKPOINTS

EXPLAINED = "#lm-explain .lm-explain"


def explained(page) -> dict:
    """The position, the picked token (as the browser re-picked it) and the slider's temperature."""
    return page.evaluate(f"""() => {{ const root = document.querySelector('{EXPLAINED}');
      return {{position: Number(root.dataset.position), picked: root.dataset.picked,
               temperature: Number(root.dataset.temperature),
               probabilities: [...root.querySelectorAll('.lm-scores .lm-p')].map((cell) => cell.textContent)}}; }}""")


def first_written(prompt: str, temperature: float, seed: int) -> int:
    model, tokenizer = load_folder(CHECKPOINTS / "tiny-shakespeare")
    sample = generate(model, tokenizer, prompt, SamplingSettings((temperature,), 1, seed)).samples[0]
    return (sample.token_ids or [EOS_ID])[0]


def test_one_step_redraws_in_the_browser_and_is_reached_from_generate_and_the_sampler(studio_url):
    with studio_page(studio_url, {"width": 1440, "height": 900}, "One step") as page:
        page.get_by_role("button", name="Write and explain", exact=True).click()
        page.locator(EXPLAINED).wait_for(timeout=60_000)
        settle(page, 0.5)
        prompt = page.get_by_label("Prompt").last.input_value()
        shown = explained(page)
        data = json.loads(page.locator(f"{EXPLAINED} script.lm-explain-data").text_content())
        assert shown["picked"] == str(data["written"]) == str(first_written(prompt, 0.8, 0))
        assert shown["position"] == len(page.locator("#lm-explain-text .lm-prompt-token").all())
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        slider = page.locator(f"{EXPLAINED} input.lm-explain-temperature")
        for temperature in (2.0, 0.2):
            slider.fill(str(temperature))
            page.wait_for_function(f"() => document.querySelector('{EXPLAINED}').dataset.temperature === '{temperature:g}'")
            moved = explained(page)
            assert moved["probabilities"] != shown["probabilities"]
            assert moved["picked"] == str(first_written(prompt, temperature, 0)), temperature
        page.wait_for_timeout(300)
        assert requests == [], requests  # the slider never asked the server
        unit = page.locator(f"{EXPLAINED} button.lm-unit").nth(3)
        unit.click()
        detail = page.locator(f"{EXPLAINED} .lm-unit-detail[data-layer='0']")
        assert detail.get_attribute("data-unit") == unit.text_content()
        assert "c = f·c_prev + i·g =" in detail.text_content() and unit.get_attribute("aria-pressed") == "true"
        page.get_by_role("button", name="Next token ▶").click()
        page.wait_for_function(f"() => document.querySelector('{EXPLAINED}').dataset.position === '{shown['position'] + 1}'")
        settle(page, 0.3)
        slider.fill("0.8")  # the next step's own numbers, not the last one's, are redrawn
        following = json.loads(page.locator(f"{EXPLAINED} script.lm-explain-data").text_content())
        page.wait_for_function(f"() => document.querySelector('{EXPLAINED}').dataset.temperature === '0.8'")
        assert explained(page)["picked"] == str(following["written"])
        assert detail.get_attribute("data-unit") == str(following["chosen"][0])
        assert accessibility_violations(page) == []

        open_tab(page, "Generate")
        page.get_by_role("button", name="Generate", exact=True).click()
        page.locator("#lm-columns .lm-column .lm-token").nth(40).wait_for(timeout=60_000)
        settle(page, 0.5)
        token = page.locator("#lm-columns .lm-column").nth(2).locator(".lm-token").nth(5)
        token_id = token.get_attribute("data-id")
        token.click()
        page.wait_for_function(f"() => document.querySelector('{EXPLAINED}')?.dataset.position === '{shown['position'] + 5}'",
                               timeout=30_000)
        assert page.get_by_role("tab", name="One step").get_attribute("aria-selected") == "true"
        assert page.locator("#lm-explain-text .lm-current").get_attribute("data-position") == str(shown["position"] + 5)
        assert json.loads(page.locator(f"{EXPLAINED} script.lm-explain-data").text_content())["written"] == int(token_id)

        open_tab(page, "You are the sampler")
        page.get_by_role("button", name="Start", exact=True).click()
        page.locator("#lm-candidates tr").first.wait_for()
        page.get_by_role("button", name="Let the model draw").click()
        settle(page, 0.3)
        page.get_by_role("button", name="Explain the last token").click()
        page.wait_for_function(f"() => document.querySelector('{EXPLAINED}')?.dataset.position === '{shown['position']}'",
                               timeout=30_000)
        assert "u = " in page.locator(f"{EXPLAINED} .lm-pick").text_content()
