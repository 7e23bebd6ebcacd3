"""What the model sees, in headless Chromium on both shipped models: each
token's id and boundary, the prompt as the model read it, unknown pieces
marked, the shading switch, and the example prompt offered when the model
changes."""

from __future__ import annotations

from lm.tokenizer import EOS_ID, UNK_ID, Tokenizer
from studio.settings import EXAMPLES
from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS
from tests.support.paths import CHECKPOINTS

TEXT = "(t) => t.dataset.show === '↵' ? '\\n' : t.textContent"  # a line break follows its (empty) span


def _token_ids(column) -> list[tuple[str, int]]:
    return column.evaluate(
        f"(column) => [...column.querySelectorAll('.lm-token[data-id]')].map((t) => [({TEXT})(t), +t.dataset.id])")


def _generate(page, prompt: str, marker: str) -> None:
    """Generate 200 tokens per column from ``prompt``: wait until ``marker``
    (a CSS selector only this run's columns match) shows, then for the end."""
    page.get_by_label("Prompt").fill(prompt)
    page.get_by_role("button", name="Generate", exact=True).click()
    page.locator(f"#lm-columns {marker}").first.wait_for(state="attached", timeout=60_000)
    page.wait_for_function("() => document.body.innerText.includes('200 steps ×')", timeout=60_000)


def _pick_model(page, name: str) -> None:
    page.get_by_label("Model").first.click()
    page.get_by_role("option", name=name, exact=True).click()
    page.wait_for_function(f"() => document.body.innerText.includes('{name} · corpus')", timeout=60_000)


def _style(locator, property_name: str) -> str:
    return locator.evaluate(f"(element) => getComputedStyle(element).{property_name}")


def test_the_page_shows_what_the_model_sees_on_both_shipped_models(studio_url, tmp_path):
    from playwright.sync_api import sync_playwright

    characters, words = (Tokenizer.load(CHECKPOINTS / name) for name in ("tiny-shakespeare", "human-numbers"))
    url = studio_url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(url)
        prompt = page.get_by_label("Prompt")
        assert prompt.input_value() == "ROMEO:\n"
        page.get_by_label("Temperatures to compare (up to 6)").fill("0.5, 1")

        _pick_model(page, "human-numbers")  # the shipped example gives way to this model's
        page.wait_for_function("([box, text]) => box.value === text",
                               arg=[prompt.element_handle(), EXAMPLES["human-numbers"][0]], timeout=30_000)
        _generate(page, "ROMEO:\n", ".lm-unknown[data-piece='romeo']")
        assert "unknown words became <unk>: 'romeo'" in page.locator("body").inner_text()
        unknown = page.locator("#lm-columns .lm-unknown[data-piece='romeo']").first
        assert not unknown.is_visible() and page.locator("#lm-columns .lm-prompt-text").first.is_visible()
        page.get_by_label("Show tokens").check()
        assert unknown.is_visible() and unknown.get_attribute("data-id") == str(UNK_ID)
        assert unknown.inner_text() == "romeo<unk>"
        assert not page.locator("#lm-columns .lm-prompt-text").first.is_visible()
        column = page.locator(".lm-column").first
        pieces = _token_ids(column)
        assert len(pieces) == 200 and all(words.index[text] == token_id for text, token_id in pieces)
        assert _style(column.locator(".lm-token").first, "boxShadow") != "none"

        _generate(page, "", ".lm-prompt-tokens .lm-eos")  # an empty prompt: the model reads <eos>
        start = page.locator("#lm-columns .lm-prompt-tokens .lm-eos").first
        assert start.is_visible() and start.get_attribute("data-id") == str(EOS_ID)

        page.get_by_label("Prompt").fill("JULIET☕:\n")  # a prompt the user wrote stays
        _pick_model(page, "tiny-shakespeare")
        page.wait_for_timeout(1500)
        assert prompt.input_value() == "JULIET☕:\n"
        _generate(page, "JULIET☕:\n", ".lm-unknown[data-piece='☕']")
        assert "unknown characters dropped: '☕'" in page.locator("body").inner_text()
        dropped = page.locator("#lm-columns .lm-unknown[data-piece='☕']").first
        assert dropped.is_visible() and dropped.get_attribute("data-id") is None
        read = page.locator("#lm-columns .lm-prompt-tokens").first.evaluate(
            f"(p) => [...p.querySelectorAll('.lm-read')].map((t) => [({TEXT})(t), +t.dataset.id, t.dataset.show ?? ''])"
        )
        assert read == [[c, characters.index[c], "↵" if c == "\n" else ""] for c in "JULIET:\n"]
        pieces = _token_ids(page.locator(".lm-column").nth(1))
        assert len(pieces) == 200 and all(characters.index[text] == token_id for text, token_id in pieces)

        token = page.locator("#lm-columns .lm-token").first
        assert _style(token, "backgroundColor").startswith("rgba(230, 80, 40")
        page.get_by_label("Shade by probability").uncheck()
        assert _style(token, "backgroundColor") == "rgba(0, 0, 0, 0)"
        page.get_by_label("Show tokens").uncheck()
        assert _style(token, "boxShadow") == "none" and not dropped.is_visible()
        page.get_by_label("Show tokens").check()
        page.get_by_label("Shade by probability").check()
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(tmp_path / "token-view.png"))
        browser.close()
