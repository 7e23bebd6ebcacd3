"""The Every model tab: one prompt through up to six models at one
temperature and seed, side by side, each column titled with its model's
corpus, level and size, showing what the model made of the prompt (unknown
words became ``<unk>``, unknown characters were dropped) and how much of its
sample is new rather than copied from its training text."""

from __future__ import annotations

import gradio as gr

from lm.prompt import encode_prompt
from lm.tokenizer import EOS
from lm.sampling import SamplingSettings, generate
from studio import forms
from studio.core import SAMPLING, Studio, user_error
from studio.html import every_model as html
from studio.html.generate import eos_span
from studio.html.novelty import marked_text, novelty, novelty_note

MAX_MODELS = 6


class EveryModel:
    """The view's callback over a ``Studio``."""

    def __init__(self, studio: Studio):
        self.studio = studio

    def default_models(self) -> list[str]:
        """The shipped models (up to six), ticked when the page opens."""
        return [name for name in self.studio.catalog.names() if name in self.studio.catalog.preferred][:MAX_MODELS]

    def view(self, names, prompt, temperature, max_new_tokens, seed):
        """Yield the columns as each model's sample is drawn."""
        try:
            names = [names] if isinstance(names, str) else list(names or [])
            if not 1 <= len(names) <= MAX_MODELS:
                raise ValueError(f"tick between 1 and {MAX_MODELS} models, got {len(names)}")
            entries = [self.studio.catalog.get(name) for name in names]
            settings = SamplingSettings([forms.whole(temperature)], forms.whole(max_new_tokens), forms.whole(seed))
        except ValueError as error:
            raise user_error(error) from error
        columns = [html.column(entry, "…", "", "") for entry in entries]
        yield html.page(columns)
        for index, entry in enumerate(entries):
            encoded = encode_prompt(entry.tokenizer, prompt or "")
            sample = generate(entry.engine(True), entry.tokenizer, encoded, settings).samples[0]
            shown_prompt = "" if encoded.fresh_start else entry.tokenizer.decode(encoded.ids)
            copied = novelty(entry.training_index(), [] if encoded.fresh_start else encoded.ids,
                             sample.token_ids)
            text = marked_text(entry.tokenizer, shown_prompt, sample.token_ids, copied)
            if sample.ended:  # the model drew <eos>: its sample ends there, as a speech or document does
                text += eos_span(f"the model drew {EOS}: its sample ends here")
            columns[index] = html.column(entry, text, html.read_note(encoded.unknown, entry.tokenizer.level),
                                        novelty_note(copied))
            yield html.page(columns)


def every_model_tab(studio: Studio, default_model: str | None) -> None:
    """One prompt through every ticked model."""
    every_model = EveryModel(studio)
    gr.Markdown("### Same prompt, every model: what each one makes of it (copied spans underlined)")
    with gr.Row():
        models = gr.CheckboxGroup(studio.catalog.names(), value=every_model.default_models(),
                                  label=f"Models (up to {MAX_MODELS})")
        prompt = gr.Textbox(label="Prompt", value=studio.first_example(default_model))
    with gr.Row():
        temperature = gr.Slider(0, 5, value=0.8, step=0.05, label="Temperature")
        seed = gr.Number(0, precision=0, label="Seed")
        max_new_tokens = gr.Slider(1, 500, value=120, step=1, label="Tokens to generate")
    run = gr.Button("Run every model", variant="primary")
    output = gr.HTML(elem_id="lm-every-model")
    run.click(every_model.view, [models, prompt, temperature, max_new_tokens, seed], output,
              api_name="every_model_view", api_visibility="private",
              concurrency_limit=studio.settings.sampling_concurrency, concurrency_id=SAMPLING)
