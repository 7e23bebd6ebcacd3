"""The One step tab and the ``/explain`` endpoint: how one token is
written, with the model's own numbers (``lm.lesson.one_step``), drawn as a
pipeline by ``studio.html.one_step``. A sample is walked in the browser
session's state (a ``Trace``, whose kept states make a step forwards or
backwards cheap); it comes from the tab's own settings, from a token clicked
in a Generate column (that column re-drawn with the Generate tab's settings,
int8 included) or from the sampler's last token. The temperature slider in
the view redraws in the browser alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import gradio as gr

from lm.lesson.one_step import MAX_EXPLAINED_NEW_TOKENS, StepExplanation, explain_step, sample_to_explain
from lm.lesson.traces import Trace, sampler_trace, trace_sample
from lm.prompt import encode_prompt
from lm.sampling import SamplingSettings
from studio import forms
from studio.core import SAMPLING, Studio, sample_controls, user_error
from studio.html import one_step as html
from studio.html.one_step_script import EXPLAIN_SCRIPT, TOKEN_POSITION_CLICK

if TYPE_CHECKING:  # for the annotation only: a tab imports another only in the presenter
    from studio.tabs.sampler import StepSessions


@dataclass
class ExplainRun:
    """The sample a browser session walks through, and where it stands."""

    model: str  # the catalog name of its model
    trace: Trace
    position: int


def _whole_number(name: str, value) -> int:
    value = forms.whole(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    return value


class Explainer:
    """The One step view's callbacks and ``/explain``, over a ``Studio``."""

    def __init__(self, studio: Studio, sessions: StepSessions):
        self.studio, self.sessions = studio, sessions

    def explanation(self, run: ExplainRun) -> StepExplanation:
        entry = self.studio.catalog.get(run.model)
        return explain_step(entry.model, entry.tokenizer, run.trace, run.position)

    def _shown(self, run: ExplainRun):
        """(sample text, pipeline, session state, position) for ``run``."""
        entry = self.studio.catalog.get(run.model)
        explanation = explain_step(entry.model, entry.tokenizer, run.trace, run.position)
        pieces = [entry.tokenizer.token(token) for token in run.trace.token_ids]
        return (html.sample_text(run.trace, pieces, run.position, entry.tokenizer.gap),
                html.pipeline(explanation, entry.tokenizer.tokens), run, run.position)

    def _run(self, name, prompt, temperature, max_new_tokens, seed, position=None, top_k=None, top_p=None,
             int8=False) -> ExplainRun:
        entry = self.studio.catalog.get(name)
        settings = SamplingSettings([forms.whole(temperature)], forms.whole(max_new_tokens), forms.whole(seed),
                                    forms.whole(top_k), top_p)
        trace = sample_to_explain(entry.engine(bool(int8)), entry.tokenizer, prompt or "", settings)
        return ExplainRun(name, trace, trace.prompt_length if position is None else _whole_number("position", position))

    def view(self, name, prompt, temperature, max_new_tokens, seed):
        """Draw a sample with the tab's settings and explain its first written token."""
        try:
            return self._shown(self._run(name, prompt, temperature, max_new_tokens, seed))
        except (ValueError, TypeError) as error:
            raise user_error(error) from error

    def moved_view(self, run: ExplainRun | None, position):
        """The same sample at another position (a step, a typed number, a clicked token)."""
        if run is None:
            raise user_error(ValueError("write a sample first (Write and explain)"))
        try:
            return self._shown(ExplainRun(run.model, run.trace, _whole_number("position", position)))
        except (ValueError, TypeError) as error:
            raise user_error(error) from error

    def step_view(self, run: ExplainRun | None, offset: int):
        """One token forwards or backwards, staying within the sample."""
        if run is None:
            raise user_error(ValueError("write a sample first (Write and explain)"))
        return self.moved_view(run, max(1, min(len(run.trace) - 1, run.position + offset)))

    def clicked_view(self, run: ExplainRun | None, event: gr.EventData):
        return self.moved_view(run, getattr(event, "position", None))

    def generate_view(self, name, prompt, mode, temperature, temperatures_text, max_new_tokens, seed, top_k, top_p,
                      int8, event: gr.EventData):
        """A token clicked in a Generate column: that column drawn again up to it, with the tab's settings."""
        try:
            column, index = (_whole_number(field, getattr(event, field, None)) for field in ("column", "index"))
            entry = self.studio.catalog.get(name)
            settings = forms.page_sampling(mode, temperature, temperatures_text, max_new_tokens, seed, top_k, top_p)
            trace = trace_sample(entry.engine(bool(int8)), entry.tokenizer, encode_prompt(entry.tokenizer, prompt or ""),
                                 settings, row=column, steps=index + 1)
            position = trace.prompt_length + index
            if index < 0 or position >= len(trace) or trace.token_ids[position] != getattr(event, "token_id", None):
                raise ValueError("the Generate tab's settings have changed since this column was drawn: "
                                 "press Generate again, then click the token")
            return self._shown(ExplainRun(name, trace, position))
        except (ValueError, TypeError) as error:
            raise user_error(error) from error

    def sampler_view(self, state: str | None, temperature):
        """The last token of the "you are the sampler" text."""
        try:
            if state is None:
                raise ValueError("start the sampler first (Start), then explain its last token")
            session = self.sessions.get(state)
            trace = sampler_trace(session.sampler, forms.whole(temperature))
            if len(trace) < 2:
                raise ValueError("the text has a single token, with nothing read before it: add a token first")
            return self._shown(ExplainRun(session.model, trace, len(trace) - 1))
        except (ValueError, TypeError) as error:
            raise user_error(error) from error

    def scene(self, name, prompt, temperature, max_new_tokens, seed, position=None) -> str:
        """The presenter's scene: the top layer's 16 most-changed units, the scores and the draw."""
        try:
            run = self._run(name, prompt, temperature, max_new_tokens, seed, position)
            return html.scene(self.explanation(run), self.studio.catalog.get(name).tokenizer.tokens)
        except (ValueError, TypeError) as error:
            raise user_error(error) from error

    def api_explain(self, model: str, prompt: str, temperature: float = 0.8, max_new_tokens: int = 60,
                    seed: int = 0, position: int | None = None, top_k: int | None = None,
                    top_p: float | None = None, int8: bool = False) -> dict:
        """How the token at ``position`` of a sample (what ``/generate`` draws
        with ``temperatures=[temperature]``; ``position`` counts from the
        prompt's first token, 0; None: the first token written) came to be:
        the input token and its embedding row, per LSTM layer the previous
        state, the gates, the new state and the most-changed units, every
        token's score and probability at ``temperature``, the top 10, the
        step's uniform number and the token it picks, all with the fp32
        weights (``note`` says where an ``int8`` sample wrote another token).
        ``tokens`` lists the sample's tokens."""
        try:
            run = self._run(model, prompt, temperature, max_new_tokens, seed, position, top_k, top_p, int8)
            explanation = self.explanation(run).to_dict()
            tokenizer = self.studio.catalog.get(model).tokenizer
        except (ValueError, TypeError) as error:
            raise user_error(error) from error
        return {**explanation, "tokens": [tokenizer.token(token) for token in run.trace.token_ids]}


def one_step_tab(explainer: Explainer, default_model: str | None) -> list:
    """A sample walked token by token, each step drawn from the token read to the token drawn; returns the
    components a step is shown in (a Generate column's token and the sampler's last token show theirs there,
    ``studio.page``)."""
    studio = explainer.studio
    gr.Markdown("### One step: how the LSTM turns the text so far into the next token, with the model's own numbers")
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            model, prompt, temperature, max_new_tokens, seed = sample_controls(studio, default_model,
                                                                               MAX_EXPLAINED_NEW_TOKENS, 60)
            run = gr.Button("Write and explain", variant="primary")
        with gr.Column(scale=3):
            text = gr.HTML(elem_id="lm-explain-text", js_on_load=TOKEN_POSITION_CLICK)
            with gr.Row():
                back = gr.Button("◀ Previous token", scale=0, min_width=170)
                position = gr.Number(None, precision=0, label="Position (Enter to explain)", scale=0, min_width=150)
                forward = gr.Button("Next token ▶", scale=0, min_width=150)
    pipeline = gr.HTML(elem_id="lm-explain", js_on_load=EXPLAIN_SCRIPT)
    state = gr.State(None)
    shown = [text, pipeline, state, position]
    sampling = dict(api_visibility="private", concurrency_limit=studio.settings.sampling_concurrency,
                    concurrency_id=SAMPLING)
    # A step reads at most a few tokens again: answered at once, never queued behind a long generation.
    quick = dict(api_visibility="private", show_progress="hidden", queue=False)
    run.click(explainer.view, [model, prompt, temperature, max_new_tokens, seed], shown, **sampling)
    text.click(explainer.clicked_view, state, shown, **quick)
    back.click(lambda run_state: explainer.step_view(run_state, -1), state, shown, **quick)
    forward.click(lambda run_state: explainer.step_view(run_state, 1), state, shown, **quick)
    position.submit(explainer.moved_view, [state, position], shown, **quick)
    return shown
