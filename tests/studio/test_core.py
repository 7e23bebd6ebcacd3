"""The studio's callbacks and API functions, called directly (no server) on a
studio over a folder holding one tiny model."""

from __future__ import annotations

import html

import gradio as gr
import pytest

import lm
from lm.lesson.temperature import explain_temperature
from studio import forms
from studio.core import SHOW, STOP, Studio, paced
from studio.settings import Settings
from studio.tabs.train import Train
from studio.tabs.generate import Generate
from studio.tabs.score import Score
from studio.page import on_model_change


@pytest.fixture
def studio(tmp_path, tiny_model, word_tokenizer) -> Studio:
    lm.save(tmp_path / "checkpoints" / "tiny", tiny_model, word_tokenizer)
    return Studio(Settings.from_environment(tmp_path, environment={}))


def test_the_api_returns_what_lm_generate_draws(studio, tiny_model, word_tokenizer):
    arguments = dict(temperatures=[0.0, 0.9], max_new_tokens=12, seed=4, top_k=None, top_p=None)
    *_, texts = Generate(studio).api_generate("tiny", "the cat", int8=False, **arguments)
    assert texts == lm.generate(tiny_model, word_tokenizer, "the cat", **arguments).texts


def test_the_api_stops_at_the_time_limit_with_what_was_drawn(tmp_path, tiny_model, word_tokenizer):
    lm.save(tmp_path / "checkpoints" / "tiny", tiny_model, word_tokenizer)
    studio = Studio(Settings.from_environment(tmp_path, environment={"LM_GENERATION_SECONDS": "0"}))
    with pytest.warns(UserWarning, match="stopped at the 0 s limit per request: the samples are cut short"):
        *_, texts = Generate(studio).api_generate("tiny", "the", [1.0, 1.5], max_new_tokens=2000, seed=0, int8=False)
    assert len(texts) == 2 and all(len(text.split()) < 100 for text in texts)


def test_the_first_token_is_streamed_at_once_and_then_at_the_interval(studio, tiny_model, word_tokenizer):
    partial, *_ = Generate(studio).api_generate("tiny", "the", [1.0], max_new_tokens=40, seed=0, int8=False)
    first_token = lm.generate(tiny_model, word_tokenizer, "the", temperatures=[1.0], max_new_tokens=1, seed=0).texts
    assert partial == first_token  # not what the first 0.25 s drew
    ticks = iter([0.0, 0.1, 0.3, 0.35, 0.6, 9.0])
    actions = [action for _, action in paced(iter("abcdef"), 0.0, 5.0, 0.25, clock=lambda: next(ticks))]
    assert actions == [SHOW, "", SHOW, "", SHOW, STOP]


def test_the_generate_view_streams_one_labelled_column_per_temperature(studio):
    *_, (page, status) = Generate(studio).view("tiny", "the cat", forms.COMPARE, 0.8, "0, 1.2", 6, 0, 0, 1.0, False)
    assert 'data-label="T = 0 (greedy)"' in page and 'data-label="T = 1.2"' in page
    assert " steps × 2 columns in " in status


@pytest.mark.parametrize("call, message", [
    (lambda studio: next(Generate(studio).view("tiny", "", forms.COMPARE, 0.8, "9", 5, 0, 0, 1.0)),
     "temperature must be in [0, 5], got 9.0"),
    (lambda studio: Generate(studio).temperature_view("tiny", "", 6.0), "got 6.0"),
    (lambda studio: next(Generate(studio).api_generate("tiny", "", [0.5] * 7)), "between 1 and 6 temperatures, got 7"),
    (lambda studio: Score(studio).api_score("nowhere", "text"), "unknown model 'nowhere'"),
    (lambda studio: Score(studio).view([], "text"), "pick at least one model"),
])
def test_bad_input_becomes_a_gradio_error_naming_the_value(studio, call, message):
    with pytest.raises(gr.Error) as caught:
        call(studio)
    assert message in str(caught.value)


def test_the_generate_buttons_bars_leave_a_bad_setting_to_its_columns_to_name(studio):
    """The button runs both views; only the columns' view names the error, so the student sees it once."""
    shown = Generate(studio).distribution_view("tiny", "", forms.COMPARE, 0.8, "0.3, 9")
    assert all(isinstance(part, dict) and part.get("__type__") == "update" and len(part) == 1 for part in shown), shown


def test_model_facts_card_and_examples(studio):
    assert studio.default_model() == "tiny"
    facts, examples, card, curve = on_model_change(studio, "tiny", progress=lambda *args, **kwargs: None)
    assert "**tiny**" in facts and "parameters" in facts
    assert not card.startswith("---")  # the card's front matter is dropped
    assert curve.startswith("<svg") and 'class="lm-y-tick"' in curve  # the loss per epoch as a chart
    assert Train(studio).stop_training("a" * 32) == "no training is running"


def test_the_distribution_and_the_temperature_note_come_from_one_distribution(studio, tiny_model, word_tokenizer):
    effect = explain_temperature(tiny_model, word_tokenizer, "the cat", 0.5)
    chart, note = Generate(studio).temperature_view("tiny", "the cat", 0.5, False)
    assert "T = 0.5" in chart and "T = 1" in chart  # the slider's temperature beside T = 1
    assert html.escape(effect.note) in note and note.count("<p ") == 1
    chart, note = Generate(studio).distribution_view("tiny", "the cat", forms.COMPARE, 0.5, "0, 2", False)
    assert note.count("<p ") == 2 and 'data-temperature="0"' in note and 'data-temperature="2"' in note
    assert "T = 1" in chart and "T = 0.5" not in chart  # compare mode: the listed temperatures, and T = 1
