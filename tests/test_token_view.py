"""What the model sees: the Generate view's token view (each token's id and
boundary, the prompt as the model read it, unknown pieces marked), the
shading switch, the example prompt offered when the model changes, and the
status line listing what the prompt lost. Views and handlers are called
directly; the page is driven in headless Chromium."""

from __future__ import annotations

import re

import gradio as gr
import pytest

from conftest import CHECKPOINTS, REPO
from lm.prompt import encode_prompt
from lm.sampling import Step
from lm.tokenizer import EOS_ID, UNK_ID, Tokenizer
from studio import forms, views
from studio.handlers import Studio
from studio.settings import EXAMPLES, Settings
from studio.token_view import prompt_tokens
from studio_server import running_studio
from test_app import CHROMIUM, CHROMIUM_FLAGS


def test_the_prompt_is_shown_as_the_model_read_it(word_tokenizer):
    words = prompt_tokens(encode_prompt(word_tokenizer, "The zebra sat"), " ")
    the, sat = word_tokenizer.index["the"], word_tokenizer.index["sat"]
    assert f'<span class="lm-read" data-id="{the}">the</span>' in words
    assert f'<span class="lm-read" data-id="{sat}">sat</span>' in words
    unknown = re.search(r'<span class="lm-unknown" data-piece="zebra" data-id="(\d+)"[^>]*>(.*?)</span>', words)
    assert unknown and int(unknown.group(1)) == UNK_ID and unknown.group(2) == "<del>zebra</del>&lt;unk&gt;"

    chars = Tokenizer.build(["ab\nc<"], "char")
    read = prompt_tokens(encode_prompt(chars, "a\n<x☕"), "")
    assert f'data-id="{chars.index[chr(10)]}" data-show="↵"></span>\n' in read  # the id before the break
    assert f'<span class="lm-read" data-id="{chars.index["<"]}">&lt;</span>' in read
    for dropped in ("x", "☕"):  # dropped: marked, and no id, since the model never reads it
        assert re.search(rf'<span class="lm-unknown" data-piece="{dropped}" title="[^"]*dropped[^"]*">'
                         rf'<del>{dropped}</del></span>', read)

    hostile = prompt_tokens(encode_prompt(word_tokenizer, "<b onmouseover=x>"), " ")
    assert "<b" not in hostile and 'data-piece="&lt;b"' in hostile and 'data-piece="onmouseover=x&gt;"' in hostile
    assert 'data-piece="&quot;"' in prompt_tokens(encode_prompt(chars, '"'), "")
    long = prompt_tokens(encode_prompt(chars, "ab" * 300), "")
    assert long.startswith('<span class="lm-note">… 200 earlier tokens</span>') and long.count("lm-read") == 400

    fresh = prompt_tokens(encode_prompt(chars, "☕"), "")  # nothing left: the model starts from <eos>
    assert f'class="lm-eos" data-id="{EOS_ID}"' in fresh and "&lt;eos&gt;</span>" in fresh


def test_generated_tokens_carry_their_ids_and_the_end_of_text_shows():
    page = views.SampleColumns((0.5, 1.0), "one", " ")
    page.add(Step(0, [7, 5], ["two", "four"], [0.9, 0.2], [[("two", 0.9)], [("two", 0.5)]], [False, False], [0, 0]))
    page.add(Step(1, [EOS_ID, 3], ["", "hundred"], [0.8, 0.4], [[], []], [True, False], [0, 1]))
    left, right = page.html().split('<div class="lm-column"')[1:]
    assert re.search(r' <span class="lm-token lm-shaded" data-id="7" style="--lm-shade:rgba\([^"]*\)" '
                     r'title="p = 0.900[^"]*">two</span>', left)
    assert f'<span class="lm-eos" data-id="{EOS_ID}"' in left and "hundred" not in left
    assert 'data-id="5"' in right and ' <span class="lm-token lm-shaded" data-id="3"' in right and "lm-eos" not in right


def test_the_status_lists_what_the_prompt_lost_as_markdown_that_shows_it():
    words = views.generation_status(5, 2, 0.25, ["romeo"], "word", False)
    assert words == "5 steps × 2 columns in 0.25 s · unknown words became ` <unk> `: ` 'romeo' `"
    chars = views.generation_status(5, 1, 0.25, ["`", *"☕é"] + ["x"] * 12, "char", True)
    assert "unknown characters dropped: `` '`' ``, ` '☕' `, ` 'é' `" in chars and "and 5 more" in chars
    assert chars.endswith("empty prompt: starting fresh")


@pytest.fixture(scope="module")
def shipped() -> Studio:
    return Studio(Settings.from_environment(REPO, environment={}))


def test_switching_models_offers_the_new_models_example_but_keeps_a_written_prompt(shipped):
    numbers = EXAMPLES["human-numbers"][0]
    assert shipped.offered_prompt("human-numbers", "ROMEO:\n") == numbers
    assert shipped.offered_prompt("human-numbers", "ROMEO:") == numbers  # a textbox may drop the line break
    assert shipped.offered_prompt("human-numbers", "") == numbers
    assert shipped.offered_prompt("tiny-shakespeare", numbers) == EXAMPLES["tiny-shakespeare"][0]
    assert shipped.offered_prompt("human-numbers", "my own prompt") == gr.skip()
    assert shipped.offered_prompt("no-such-model", "") == gr.skip()


def test_the_generate_view_lists_unknown_words_and_marks_them_in_the_token_view(shipped):
    *_, (page, status) = shipped.generate_view("human-numbers", "ROMEO:\n", forms.COMPARE, 0.8, "0.5", 5, 0, 0, 1.0)
    assert "unknown words became ` <unk> `: ` 'romeo' `" in status
    assert re.search(r'class="lm-unknown" data-piece="romeo" data-id="0"', page)
    assert page.count('class="lm-token lm-shaded" data-id=') == 5


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


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_the_page_shows_what_the_model_sees_on_both_shipped_models(tmp_path):
    from playwright.sync_api import sync_playwright

    characters, words = (Tokenizer.load(CHECKPOINTS / name) for name in ("tiny-shakespeare", "human-numbers"))
    with running_studio() as (url, _), sync_playwright() as playwright:
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
