"""The Time-lapse tab: one prompt, one temperature and one seed through
every snapshot a model kept while it trained, side by side, each column
under its valid loss (in plain units) and how much text the model had read
by then — the class watches it learn spelling, then words, then form."""

from __future__ import annotations

import threading

import gradio as gr

from lm.sampling import SamplingSettings, generate
from lm.training.snapshots import listed, load_snapshot
from studio import forms
from studio.core import SAMPLING, Studio, model_and_prompt, user_error
from studio.html import time_lapse as html


class TimeLapse:
    """The Time-lapse view's callback over a ``Studio``; the snapshots of the
    model last shown stay loaded (one model's worth at a time)."""

    def __init__(self, studio: Studio):
        self.studio = studio
        self._loaded: dict[tuple[str, str], object] = {}
        self._lock = threading.Lock()

    def _snapshot(self, name: str, folder, snapshot: str):
        with self._lock:
            if not any(key[0] == name for key in self._loaded):
                self._loaded.clear()
            key = (name, snapshot)
            if key not in self._loaded:
                self._loaded[key] = load_snapshot(folder, snapshot)[0]
            return self._loaded[key]

    def view(self, name, prompt, temperature, max_new_tokens, seed):
        """Yield the columns as each snapshot's sample is drawn."""
        try:
            entry = self.studio.catalog.get(name)
            settings = SamplingSettings([forms.whole(temperature)], forms.whole(max_new_tokens), forms.whole(seed))
            rows = listed(entry.folder)
            if not rows:
                raise ValueError(f"model {name!r} kept no snapshots while it trained; train one with "
                                 "--snapshots (the Train view keeps them) to watch it learn")
        except ValueError as error:
            raise user_error(error) from error
        level = entry.tokenizer.level
        texts: list[str | None] = [None] * len(rows)
        yield html.columns(rows, texts, level)
        for index, row in enumerate(rows):
            model = self._snapshot(name, entry.folder, row["name"])
            texts[index] = generate(model, entry.tokenizer, prompt or "", settings).texts[0]
            yield html.columns(rows, texts, level)


def time_lapse_tab(studio: Studio, default_model: str | None) -> None:
    """One prompt through every snapshot a model kept while it trained."""
    time_lapse = TimeLapse(studio)
    gr.Markdown("### Watching it learn: the same prompt, temperature and seed after more and more training")
    with gr.Row():
        model, prompt = model_and_prompt(studio, default_model)
        temperature = gr.Slider(0, 5, value=0.8, step=0.05, label="Temperature")
        seed = gr.Number(0, precision=0, label="Seed")
        max_new_tokens = gr.Slider(1, 500, value=150, step=1, label="Tokens to generate")
    run = gr.Button("Show the time-lapse", variant="primary")
    output = gr.HTML(elem_id="lm-time-lapse")
    run.click(time_lapse.view, [model, prompt, temperature, max_new_tokens, seed], output, api_name="time_lapse_view",
              api_visibility="private",
              concurrency_limit=studio.settings.sampling_concurrency, concurrency_id=SAMPLING)
