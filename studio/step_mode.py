"""Step mode's behaviour ("you are the sampler") and the ``/step`` endpoint:
a person grows a text one token at a time from the model's candidates, lets
the model draw one, types a token, or takes one back; the LSTM state is kept
per browser session (or per API state token) in ``StepSessions``."""

from __future__ import annotations

import gradio as gr

from lm.lesson.stepping import StepSampler, check_step_settings
from studio import step_views
from studio.forms import whole
from studio.handlers import Studio, user_error
from studio.step_sessions import StepSessions

ACTIONS = ("start", "pick", "draw", "undo", "type", "show")
# In the browser: a click on a candidate row reports its token id.
CANDIDATE_CLICK = """
element.addEventListener('click', (event) => {
  const row = event.target.closest('tr[data-token-id]');
  if (row) trigger('click', {token_id: Number(row.dataset.tokenId)});
});
"""


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
            entry = self.studio.catalog.get(model)
            sampler = StepSampler(entry.engine(True), entry.tokenizer, prompt or "", whole(seed))
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
            before = self.sessions.get(state).sampler.choices(whole(temperature), whole(k)) if action == "draw" else None
            state, sampler, drawn = self.act(state, model, prompt, action, value, temperature, k, seed)
            choices = sampler.choices(whole(temperature), whole(k))
        except (ValueError, TypeError) as error:
            raise user_error(error) from error
        prompt_text = sampler.tokenizer.decode([] if sampler.prompt.fresh_start else sampler.prompt.ids)
        whole_text = sampler.text
        appended = whole_text[len(prompt_text):] if whole_text.startswith(prompt_text) else whole_text
        shown = step_views.candidates(choices)
        if before is not None:
            shown = step_views.last_draw(before, drawn) + shown
        return shown, step_views.text(prompt_text, appended, sampler.ended), state

    def start_view(self, state, model, prompt, temperature, k, seed):
        return self.view(state, model, prompt, "start", None, temperature, k, seed)

    def pick_view(self, state, temperature, k, event: gr.EventData):
        return self.view(state, "", "", "pick", getattr(event, "token_id", None), temperature, k)

    def draw_view(self, state, temperature, k):
        return self.view(state, "", "", "draw", None, temperature, k)

    def undo_view(self, state, temperature, k):
        return self.view(state, "", "", "undo", None, temperature, k)

    def type_view(self, state, typed, temperature, k):
        return self.view(state, "", "", "type", typed, temperature, k)

    def show_view(self, state, temperature, k):
        if state is None:
            return gr.skip(), gr.skip(), state
        return self.view(state, "", "", "show", None, temperature, k)
