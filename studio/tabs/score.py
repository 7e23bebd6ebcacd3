"""The Score tab and the ``/score`` endpoint: how surprising a text is to
one model or several, each token shaded by its surprisal in bits."""

from __future__ import annotations

import gradio as gr

from lm.scoring import score
from studio.core import SAMPLING, Studio, user_error
from studio.html.score import score_section


class Score:
    """The Score tab's callback and ``/score`` over a ``Studio``."""

    def __init__(self, studio: Studio):
        self.studio = studio

    def view(self, names, text):
        if not names:
            raise gr.Error("pick at least one model to score with", print_exception=False)
        names = [names] if isinstance(names, str) else names
        parts = []
        for name in names:
            try:
                entry = self.studio.catalog.get(name)
                result = score(entry.model, entry.tokenizer, text or "")
            except ValueError as error:
                raise user_error(error) from error
            parts.append(score_section(name, result, entry.tokenizer.gap))
        return "".join(parts)

    def api_score(self, model: str, text: str) -> dict:
        """Per-token surprisal (bits) and the text's perplexity."""
        try:
            entry = self.studio.catalog.get(model)
            result = score(entry.model, entry.tokenizer, text or "")
        except (ValueError, TypeError) as error:
            raise user_error(error) from error
        return {
            "tokens": result.pieces,
            "surprisal_bits": result.surprisals,
            "perplexity": None if not result.pieces else result.perplexity,
            "unknown": result.unknown,
        }


def score_tab(studio: Studio, default_model: str | None) -> None:
    """The Score tab."""
    view = Score(studio).view
    gr.Markdown("### How surprising is this text? Each token is shaded by its surprisal in bits.")
    models = gr.Dropdown(studio.catalog.choices(), value=default_model, multiselect=True, label="Models")
    text = gr.Textbox(label="Text", lines=4)
    button = gr.Button("Score", variant="primary")
    output = gr.HTML(elem_id="lm-score")
    button.click(view, [models, text], output, api_visibility="private",
                 concurrency_limit=studio.settings.sampling_concurrency, concurrency_id=SAMPLING)
