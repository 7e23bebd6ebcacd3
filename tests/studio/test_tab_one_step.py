"""``/explain``, the One step view's API, end to end through
``gradio_client`` (its numbers the library's, bad input named, the server
serving on); and the tab's callbacks in-process: a Generate column's token,
the sampler's last token, a model deleted under a session."""

from __future__ import annotations

import gradio as gr
import pytest

pytestmark = pytest.mark.slow
REQUEST = dict(model="tiny-shakespeare", prompt="ROMEO:\n", temperature=0.8, max_new_tokens=30, seed=2)


@pytest.fixture(scope="module")
def explainer():
    from studio.core import Studio
    from studio.settings import Settings
    from studio.tabs.one_step import Explainer
    from studio.tabs.sampler import StepSessions
    from tests.support.paths import REPO

    return Explainer(Studio(Settings.from_environment(REPO, environment={})), StepSessions())


def test_explain_returns_the_library_s_numbers(studio_client, explainer):
    from lm.lesson.one_step import explain
    from lm.sampling import SamplingSettings

    result = studio_client.predict(**REQUEST, api_name="/explain")
    assert result["position"] == result["prompt_length"] == 7 and len(result["tokens"]) == result["length"]
    assert result["origin"] == "drawn" and result["picked_id"] == result["written_id"] and result["note"] == ""
    assert len(result["layers"]) == 2 and len(result["layers"][0]["forget_gate"]) == 512
    assert len(result["logits"]) == len(result["probabilities"]) == 67 and len(result["top"]) == 10
    entry = explainer.studio.catalog.get("tiny-shakespeare")
    expected = explain(entry.model, entry.tokenizer, "ROMEO:\n", SamplingSettings((0.8,), 30, 2), 12).to_dict()
    later = studio_client.predict(**REQUEST, position=12, api_name="/explain")
    assert later["logits"] == expected["logits"] and later["layers"][1]["cell"] == expected["layers"][1]["cell"]
    assert later["uniform"] == expected["uniform"] and later["picked_text"] == expected["picked_text"]
    read = studio_client.predict(**REQUEST, position=3, api_name="/explain")
    assert read["origin"] == "prompt" and read["uniform"] is None and read["picked_id"] is None


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(position=99), "position must be an integer in [1, 36] for this sample"),
        (dict(position=0), "position 0 has nothing before it), got 0"),
        (dict(model="nope"), "unknown model 'nope'"),
        (dict(temperature=9), "temperature must be in [0, 5], got 9"),
        (dict(prompt="x" * 20_001), "prompt is 20,001 characters long; the limit is 20,000"),
        (dict(prompt="a" * 1_500), "prompt is 1,500 tokens long; explaining a step reads at most 1,000"),
        (dict(max_new_tokens=600), "max_new_tokens must be an integer in [1, 500] to explain a step, got 600"),
    ],
    ids=["position-99", "position-0", "unknown-model", "temperature-9", "long-prompt", "long-prompt-tokens",
         "600-tokens"],
)
def test_bad_explain_input_is_named_and_the_server_serves_on(studio_client, arguments, message):
    with pytest.raises(Exception) as caught:
        studio_client.predict(**{**REQUEST, **arguments}, api_name="/explain")
    assert message in str(caught.value) and "Traceback" not in str(caught.value)
    assert studio_client.predict(**REQUEST, api_name="/explain")["position"] == 7


def test_a_generate_column_s_token_is_explained_with_the_token_it_wrote(explainer):
    from lm.sampling import generate
    from studio import forms

    settings = ["tiny-shakespeare", "ROMEO:\n", forms.COMPARE, 0.8, "0.5, 1.3", 40, 4, 0, 1.0, True]
    entry = explainer.studio.catalog.get("tiny-shakespeare")
    column = generate(entry.engine(True), entry.tokenizer, "ROMEO:\n", forms.page_sampling(*settings[2:9])).samples[1]
    clicked = gr.EventData(None, {"column": 1, "index": 9, "token_id": column.token_ids[9]})
    text, pipeline, run, position = explainer.generate_view(*settings, clicked)
    assert position == 7 + 9 and run.trace.int8 and run.trace.token_ids[position] == column.token_ids[9]
    assert 'class="lm-current"' in text and "lm-explain-data" in pipeline
    stale = gr.EventData(None, {"column": 1, "index": 9, "token_id": (column.token_ids[9] + 1) % 60 + 2})
    with pytest.raises(gr.Error, match="settings have changed since this column was drawn"):
        explainer.generate_view(*settings, stale)


def test_the_sampler_s_last_token_and_a_deleted_model(explainer):
    from lm.lesson.stepping import StepSampler
    from studio.tabs.one_step import ExplainRun

    entry = explainer.studio.catalog.get("human-numbers")
    sampler = StepSampler(entry.engine(True), entry.tokenizer, "one two", seed=1)
    sampler.append(entry.tokenizer.index["three"])
    state = explainer.sessions.start(sampler, "human-numbers")
    _, pipeline, run, position = explainer.sampler_view(state, 1.0)
    assert position == 2 and "chosen by hand (picked or typed), not drawn" in pipeline
    with pytest.raises(gr.Error, match=r"start the sampler first \(Start\)"):
        explainer.sampler_view(None, 1.0)
    with pytest.raises(gr.Error, match="unknown model 'deleted-model'"):
        explainer.moved_view(ExplainRun("deleted-model", run.trace, 2), 2)
    with pytest.raises(gr.Error, match=r"position must be an integer in \[1, 2\] for this sample"):
        explainer.moved_view(run, 5)
