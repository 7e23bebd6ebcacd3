"""The Generate view, its views and handlers called directly: what the model
sees (each token's id and boundary, the prompt as the model read it, unknown
pieces marked), the example prompt offered when the model changes, the status
line listing what the prompt lost, copied text underlined, and the handout
whose exported call draws the same texts."""

from __future__ import annotations

import re
import subprocess
import sys

import gradio as gr
import pytest

from lm.prompt import encode_prompt
from lm.sampling import Step
from lm.tokenizer import EOS_ID, UNK_ID, Tokenizer
from studio import forms
from studio.forms import COMPARE
from studio.core import Studio
from studio.tabs.generate import Generate
from studio.html.handout import library_call
from studio.settings import EXAMPLES, Settings
from studio.html.generate import SampleColumns, generation_status, prompt_tokens
from tests.support.paths import REPO


def test_the_prompt_is_shown_as_the_model_read_it(word_tokenizer):
    words = prompt_tokens(encode_prompt(word_tokenizer, "The zebra sat"), word_tokenizer.gap)
    the, sat = word_tokenizer.index["the"], word_tokenizer.index["sat"]
    assert f'<span class="lm-read" data-id="{the}">the</span>' in words
    assert f'<span class="lm-read" data-id="{sat}">sat</span>' in words
    unknown = re.search(r'<span class="lm-unknown" data-piece="zebra" data-id="(\d+)"[^>]*>(.*?)</span>', words)
    assert unknown and int(unknown.group(1)) == UNK_ID and unknown.group(2) == "<del>zebra</del>&lt;unk&gt;"

    chars = Tokenizer.build(["ab\nc<"], "char")
    read = prompt_tokens(encode_prompt(chars, "a\n<x☕"), chars.gap)
    assert f'data-id="{chars.index[chr(10)]}" data-show="↵"></span>\n' in read  # the id before the break
    assert f'<span class="lm-read" data-id="{chars.index["<"]}">&lt;</span>' in read
    for dropped in ("x", "☕"):  # dropped: marked, and no id, since the model never reads it
        assert re.search(rf'<span class="lm-unknown" data-piece="{dropped}" title="[^"]*dropped[^"]*">'
                         rf'<del>{dropped}</del></span>', read)

    hostile = prompt_tokens(encode_prompt(word_tokenizer, "<b onmouseover=x>"), word_tokenizer.gap)
    assert "<b" not in hostile and 'data-piece="&lt;b"' in hostile and 'data-piece="onmouseover=x&gt;"' in hostile
    assert 'data-piece="&quot;"' in prompt_tokens(encode_prompt(chars, '"'), chars.gap)
    long = prompt_tokens(encode_prompt(chars, "ab" * 300), chars.gap)
    assert long.startswith('<span class="lm-note">… 200 earlier tokens</span>') and long.count("lm-read") == 400

    fresh = prompt_tokens(encode_prompt(chars, "☕"), chars.gap)  # nothing left: the model starts from <eos>
    assert f'class="lm-eos" data-id="{EOS_ID}"' in fresh and "&lt;eos&gt;</span>" in fresh


def test_generated_tokens_carry_their_ids_and_the_end_of_text_shows():
    page = SampleColumns((0.5, 1.0), "one", Tokenizer("word", ["<unk>", "<eos>"]).gap)
    page.add(Step(0, [7, 5], ["two", "four"], [0.9, 0.2], [[("two", 0.9)], [("two", 0.5)]], [False, False], [0, 0]))
    page.add(Step(1, [EOS_ID, 3], ["", "hundred"], [0.8, 0.4], [[], []], [True, False], [0, 1]))
    left, right = page.html().split('<div class="lm-column"')[1:]
    assert re.search(r' <span class="lm-token lm-shaded" data-id="7" data-spoken="p 0.90 " style="--lm-shade:rgba\([^"]*\)" '
                     r'title="p = 0.900[^"]*">two</span>', left)
    assert f'<span class="lm-eos" data-id="{EOS_ID}"' in left and "hundred" not in left
    assert 'data-id="5"' in right and ' <span class="lm-token lm-shaded" data-id="3"' in right and "lm-eos" not in right


def test_the_status_lists_what_the_prompt_lost_as_markdown_that_shows_it():
    words = generation_status(5, 2, 0.25, ["romeo"], "word", False)
    assert words == "5 steps × 2 columns in 0.25 s · unknown words became ` <unk> `: ` 'romeo' `"
    chars = generation_status(5, 1, 0.25, ["`", *"☕é"] + ["x"] * 12, "char", True)
    assert "unknown characters dropped: `` '`' ``, ` '☕' `, ` 'é' `" in chars and "and 5 more" in chars
    assert chars.endswith("empty prompt: starting fresh")


@pytest.fixture(scope="module")
def shipped() -> Studio:
    return Studio(Settings.from_environment(REPO, environment={}))


def test_switching_models_offers_the_new_models_example_but_keeps_a_written_prompt(shipped):
    numbers = EXAMPLES["human-numbers"][0]
    assert Generate(shipped).offered_prompt("human-numbers", "ROMEO:\n") == numbers
    assert Generate(shipped).offered_prompt("human-numbers", "ROMEO:") == numbers  # a textbox may drop the line break
    assert Generate(shipped).offered_prompt("human-numbers", "") == numbers
    assert Generate(shipped).offered_prompt("tiny-shakespeare", numbers) == EXAMPLES["tiny-shakespeare"][0]
    assert Generate(shipped).offered_prompt("human-numbers", "my own prompt") == gr.skip()
    assert Generate(shipped).offered_prompt("no-such-model", "") == gr.skip()


def test_the_generate_view_lists_unknown_words_and_marks_them_in_the_token_view(shipped):
    *_, (page, status) = Generate(shipped).view("human-numbers", "ROMEO:\n", forms.COMPARE, 0.8, "0.5", 5, 0, 0, 1.0)
    assert "unknown words became ` <unk> `: ` 'romeo' `" in status
    assert re.search(r'class="lm-unknown" data-piece="romeo" data-id="0"', page)
    assert page.count('class="lm-token lm-shaded" data-id=') == 5


def test_the_generate_columns_underline_copied_text_and_say_how_much_is_new():
    studio = Studio(Settings.from_environment(REPO, environment={}))
    *_, (page, _) = Generate(studio).view("tiny-shakespeare", "ROMEO:\n", COMPARE, 0.8, "0.2, 1.5", 150, 0, 0, 1.0)
    assert page.count("% new") == 2 and 'class="lm-copied"' in page


@pytest.mark.slow
def test_the_exported_call_draws_the_same_texts(tmp_path):
    handout = Generate(Studio(Settings.from_environment(REPO, environment={})))
    fields = ("tiny-shakespeare", "ROMEO:\n", COMPARE, 0.8, "0.5, 1.2", 60, 7, 0, 1.0, True)
    comparison = handout.comparison(*fields)
    result = subprocess.run([sys.executable, "-c", library_call(comparison)], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(comparison.texts)
    markdown_file, html_file = handout.handout_files(*fields)
    text = open(markdown_file, encoding="utf-8").read()
    assert "quantize_int8" in text and 'api_name="/generate"' in text and "seed 7" in text and "% new" in text
    page = open(html_file, encoding="utf-8").read()
    assert page.startswith("<!doctype html>") and "<script" not in page and "src=" not in page
    assert comparison.texts[0].splitlines()[0] in page
