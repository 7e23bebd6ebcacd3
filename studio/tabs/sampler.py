"""The "You are the sampler" tab and the ``/step`` endpoint: a person grows a
text one token at a time from the model's candidates, lets the model draw
one, types a token, or takes one back; the LSTM state is kept per browser
session (or per API state token) in ``StepSessions``. Each session holds the
LSTM state after every token of its text, so the number of live sessions is
bounded (the least recently used is dropped when the store is full) and a
session idle for longer than its limit is freed; a browser session that
closes frees its sampler at once.

On the page, Start goes through Gradio (so the session is the browser
session's, freed when it closes, and the One step tab can explain it); the
clicks after it (a candidate, draw, undo, a typed token, a new temperature
or k) go straight to the plain route ``sampler/step`` (``studio.step_route``)
from the page's script (``studio.html.sampler_script``), with the state
token that Start writes into the candidates' HTML."""

from __future__ import annotations

import html
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import gradio as gr

from lm.lesson.stepping import MAX_CANDIDATES, StepSampler, check_step_settings
from studio.core import Studio, model_and_prompt, row_click, user_error
from studio.forms import whole
from studio.html import sampler as step_views
from studio.html.sampler_script import CANDIDATES_SCRIPT, TEXT_SCRIPT, step_event

ACTIONS = ("start", "pick", "draw", "undo", "type", "show")


CANDIDATE_CLICK = row_click("token-id", "token_id")  # the presenter's sampler scenes: a click reports its token id


@dataclass
class SamplerView:
    """The sampler tab's components that the One step tab's events use."""

    state: gr.State
    temperature: gr.Slider
    explain: gr.Button  # "Explain the last token"


@dataclass
class StepSession:
    sampler: StepSampler
    model: str  # the catalog name of its model
    used: float  # when it was last used (monotonic seconds)


class StepSessions:
    def __init__(self, max_sessions: int = 200, idle_seconds: float = 1800.0,
                 clock: Callable[[], float] = time.monotonic):
        self.max_sessions, self.idle_seconds, self.clock = max_sessions, idle_seconds, clock
        self._sessions: OrderedDict[str, StepSession] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def start(self, sampler: StepSampler, model: str) -> str:
        """Keep ``sampler`` and return the token that names it."""
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._sweep()
            while len(self._sessions) >= self.max_sessions:
                self._sessions.popitem(last=False)
            self._sessions[token] = StepSession(sampler, model, self.clock())
        return token

    def get(self, token: str | None) -> StepSession:
        """The live session named by ``token``; a stale, freed or made-up
        token is refused by name."""
        with self._lock:
            self._sweep()
            session = self._sessions.get(token) if isinstance(token, str) else None
            if session is None:
                shown = token[:12] + "…" if isinstance(token, str) and len(token) > 12 else token
                raise ValueError(f"step state {shown!r} is unknown or has expired (states are freed after "
                                 f"{self.idle_seconds / 60:g} idle minutes); start again with action 'start'")
            session.used = self.clock()
            self._sessions.move_to_end(token)
            return session

    def end(self, token: str | None) -> None:
        """Free a session (a closed browser tab, an API user done)."""
        if isinstance(token, str):
            with self._lock:
                self._sessions.pop(token, None)

    def _sweep(self) -> None:
        now = self.clock()
        while self._sessions:
            token, oldest = next(iter(self._sessions.items()))
            if now - oldest.used <= self.idle_seconds:
                return
            del self._sessions[token]


class StepMode:
    """Step mode's callbacks and ``/step`` over a ``Studio``."""

    def __init__(self, studio: Studio, sessions: StepSessions):
        self.studio, self.sessions = studio, sessions

    def act(self, state: str | None, model: str, prompt: str, action: str, value, temperature, k, seed=0):
        """Carry out one action; returns (state token, sampler, drawn id)."""
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {list(ACTIONS)}, got {action!r}")
        temperature, k = whole(temperature), whole(k)
        check_step_settings(temperature, k)
        if action == "start":
            seed = whole(seed)
            if isinstance(seed, bool) or not isinstance(seed, int):
                raise ValueError(f"seed must be an integer, got {seed!r}")
            entry = self.studio.catalog.get(model)
            sampler = StepSampler(entry.engine(True), entry.tokenizer, prompt or "", seed)
            self.sessions.end(state)
            return self.sessions.start(sampler, model), sampler, None
        sampler, drawn = self.sessions.get(state).sampler, None
        if action == "pick":
            sampler.append(whole(value))
        elif action == "draw":
            drawn = sampler.draw(temperature)
        elif action == "undo":
            sampler.undo()
        elif action == "type":
            sampler.append_text(str(value or ""))
        return state, sampler, drawn

    def api_step(
        self,
        state: str | None = None,
        model: str = "tiny-shakespeare",
        prompt: str = "",
        action: str = "start",
        value: str | int | None = None,
        temperature: float = 1.0,
        k: int = 10,
        seed: int = 0,
    ) -> dict:
        """Drive a sampler by hand. ``action``: ``start`` (model, prompt,
        seed; returns a new ``state``), then with that ``state``: ``pick``
        (``value``: a candidate's token id), ``draw`` (the model draws at
        ``temperature``), ``undo``, ``type`` (``value``: text of known
        tokens) or ``show``. Each answer holds the text and the top-``k``
        candidates at ``temperature`` and at T = 1."""
        try:
            state, sampler, drawn = self.act(state, model, prompt, action, value, temperature, k, seed)
            choices = sampler.choices(whole(temperature), whole(k))
        except (ValueError, TypeError) as error:
            raise user_error(error) from error
        return {"state": state, "text": sampler.text, "ended": sampler.ended, "drawn": drawn,
                "candidates": [{"token_id": c.token_id, "token": c.label, "probability": round(c.probability, 6),
                                "probability_at_one": round(c.probability_at_one, 6)} for c in choices.candidates],
                "rest": round(choices.rest, 6), "rest_at_one": round(choices.rest_at_one, 6)}

    def view(self, state, model, prompt, action, value, temperature, k, seed=0):
        """The page: (candidates HTML, text HTML, state). After a draw, the
        candidates it was drawn from come first, the drawn one marked."""
        try:
            before = (self.sessions.get(state).sampler.choices(whole(temperature), whole(k)) if action == "draw"
                      else None)
            state, sampler, drawn = self.act(state, model, prompt, action, value, temperature, k, seed)
            choices = sampler.choices(whole(temperature), whole(k))
        except (ValueError, TypeError) as error:
            raise user_error(error) from error
        prompt_text = sampler.prompt_text
        whole_text = sampler.text
        appended = whole_text[len(prompt_text):] if whole_text.startswith(prompt_text) else whole_text
        shown = step_views.candidates(choices)
        if before is not None:
            shown = step_views.last_draw(before, drawn) + shown
        shown = f'<div data-step-state="{html.escape(state)}">{shown}</div>'  # the page's script sends it back
        return shown, step_views.text(prompt_text, appended, sampler.ended), state

    def start_view(self, state, model, prompt, temperature, k, seed):
        return self.view(state, model, prompt, "start", None, temperature, k, seed)

    def pick_view(self, state, temperature, k, event: gr.EventData):
        return self.view(state, "", "", "pick", getattr(event, "token_id", None), temperature, k)


def sampler_tab(step_mode: StepMode, default_model: str | None) -> SamplerView:
    """Step mode: the class picks each next token from the model's candidates."""
    studio = step_mode.studio
    gr.Markdown("### You are the sampler: pick each next token, or let the model draw one")
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            model, prompt = model_and_prompt(studio, default_model)
            start = gr.Button("Start", variant="primary")
            temperature = gr.Slider(0, 5, value=1.0, step=0.05, label="Temperature", elem_id="lm-step-temperature")
            k = gr.Slider(1, MAX_CANDIDATES, value=10, step=1, label="Candidates shown (k)", elem_id="lm-step-k")
            seed = gr.Number(0, precision=0, label="Seed")
        with gr.Column(scale=2):
            text = gr.HTML(elem_id="lm-step-text", js_on_load=TEXT_SCRIPT)
            candidates = gr.HTML(elem_id="lm-candidates", js_on_load=CANDIDATES_SCRIPT)  # right under the text
            with gr.Row():
                draw = gr.Button("Let the model draw")
                undo = gr.Button("Undo")
                explain = gr.Button("Explain the last token")
            with gr.Row():
                typed = gr.Textbox(label="Your own token", scale=3)
                add = gr.Button("Add", scale=1)
    state = gr.State(None, delete_callback=step_mode.sessions.end)
    quick = dict(api_visibility="private", show_progress="hidden", queue=False)
    start.click(step_mode.start_view, [state, model, prompt, temperature, k, seed], [candidates, text, state], **quick)
    # The clicks after Start: handed to the candidates' script, which posts them to sampler/step (no Gradio request).
    draw.click(None, [temperature, k], None, js=step_event("draw", "temperature", "k"))
    undo.click(None, [temperature, k], None, js=step_event("undo", "temperature", "k"))
    for typed_event in (add.click, typed.submit):
        typed_event(None, [typed, temperature, k], None, js=step_event("type", "value", "temperature", "k"))
    for control in (temperature, k):
        control.change(None, [temperature, k], None, js=step_event("show", "temperature", "k"))
    return SamplerView(state, temperature, explain)
