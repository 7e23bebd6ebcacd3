"""The Generate tab and the ``/generate`` endpoint: one prompt, samples side
by side across temperatures, streamed token by token (each token shaded by
its probability, its id and the top alternatives at hand), the next-token
distribution with what each temperature did to it, the "guess the
temperature" game (run in the browser) and the handout of what the class
saw. Each callback turns user input into ``lm`` objects with
``studio.forms``, calls ``lm`` and renders with ``studio.html.generate``; a
``ValueError`` becomes a message naming the bad value."""

from __future__ import annotations

import itertools
import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from lm.lesson.temperature import temperature_effect
from lm.prompt import encode_prompt
from lm.sampling import Collector, generate, stream
from lm.scoring import next_token_logits, top_probabilities
from studio import forms
from studio.core import EXPLAIN_TOKEN_CLICK, SAMPLING, SHOW, STOP, Studio, body_class_switch, paced, user_error
from studio.forms import COMPARE, SINGLE_SAMPLE
from studio.html import generate as html
from studio.html.handout import Comparison, markdown, page
from studio.html.novelty import novelty, novelty_note
from studio.settings import EXAMPLES, INT8_DEFAULT, MAX_COLUMNS, PAGE_TEMPERATURES

_GAME = """
const game = window.lmGuess = window.lmGuess || {on: false, revealed: false, order: []};
game.apply = () => {
  const columns = [...document.querySelectorAll('#lm-columns .lm-column')];
  if (game.on && game.order.length !== columns.length) {
    game.order = columns.map((_, index) => index);
    for (let index = game.order.length - 1; index > 0; index--) {
      const other = Math.floor(Math.random() * (index + 1));
      [game.order[index], game.order[other]] = [game.order[other], game.order[index]];
    }
  }
  columns.forEach((column, index) => {
    const heading = column.querySelector('h3');
    const letter = String.fromCharCode(65 + game.order[index]);
    const label = column.dataset.label;
    const text = !game.on ? label : game.revealed ? `${letter}: ${label}` : letter;
    const order = game.on ? String(game.order[index]) : '';
    if (heading && heading.textContent !== text) heading.textContent = text;
    if (column.style.order !== order) column.style.order = order;
  });
};
if (!game.observer && document.getElementById('lm-columns')) {
  game.observer = new MutationObserver(() => game.apply());
  game.observer.observe(document.getElementById('lm-columns'),
                        {childList: true, subtree: true, characterData: true, attributeFilter: ['style']});
}
"""


# The switch: on shuffles and hides the labels, off puts the columns back.
GUESS_SWITCH = "(on) => {" + _GAME + "game.on = on; game.revealed = false; game.order = []; game.apply(); }"


GUESS_REVEAL = "() => { const game = window.lmGuess; if (game && game.on) { game.revealed = true; game.apply(); } }"


# A new Generate: shuffle again, labels hidden again.
GUESS_NEW_RUN = ("() => { const game = window.lmGuess; "
                 "if (game && game.on) { game.revealed = false; game.order = []; game.apply(); } }")


@dataclass
class GenerateView:
    """The Generate tab's components that other tabs' events use."""

    model: gr.Dropdown
    facts: gr.Markdown
    examples: gr.Dataset
    output: gr.HTML  # the columns: a click on a token explains it (studio.tabs.one_step)
    settings: list  # what the Generate button sends


class Generate:
    """The Generate tab's callbacks and ``/generate`` over a ``Studio``."""

    def __init__(self, studio: Studio):
        self.studio = studio

    def offered_prompt(self, name: str, prompt: str | None) -> str | dict:
        """The prompt after switching to model ``name``: its first example
        when ``prompt`` is empty or an example prompt of any model, else
        ``gr.skip()``: a prompt the user wrote stays, and so does any prompt
        when the model cannot load (``on_model_change`` says why)."""
        written = (prompt or "").strip()
        if written and written not in {text.strip() for texts in EXAMPLES.values() for text in texts}:
            return gr.skip()
        try:
            return self.studio.examples_for(name)[0][0]
        except ValueError:
            return gr.skip()

    def view(self, name, prompt, mode, temperature, temperatures_text, max_new_tokens, seed, top_k, top_p,
                      int8=INT8_DEFAULT):
        """Stream the side-by-side columns as HTML, plus a status line."""
        try:
            entry = self.studio.catalog.get(name)
            settings = forms.page_sampling(mode, temperature, temperatures_text, max_new_tokens, seed, top_k, top_p)
            encoded = encode_prompt(entry.tokenizer, prompt or "")
            steps = stream(entry.engine(bool(int8)), entry.tokenizer, encoded, settings)
            first = next(steps)
        except (ValueError, TypeError) as error:
            raise user_error(error) from error
        level = entry.tokenizer.level
        columns = html.SampleColumns(settings.temperatures,
                                     "" if encoded.fresh_start else entry.tokenizer.decode(encoded.ids),
                                     entry.tokenizer.gap, read=encoded)
        limit, count, truncated = self.studio.settings.generation_seconds, 0, False
        started = time.perf_counter()

        def shown() -> tuple[str, str]:
            status = html.generation_status(count, len(settings.temperatures), time.perf_counter() - started,
                                             encoded.unknown, level, encoded.fresh_start, limit if truncated else None)
            return columns.html(), status

        interval = self.studio.settings.stream_interval
        for step, action in paced(itertools.chain([first], steps), started, limit, interval):
            count += 1
            columns.add(step)
            if action == STOP:
                truncated = True
                columns.mark_truncated()
                break
            if action == SHOW:
                yield shown()
        columns.mark_copied(entry.training_index(), [] if encoded.fresh_start else encoded.ids)
        yield shown()

    def distribution_view(self, name, prompt, mode, temperature, temperatures_text, int8=INT8_DEFAULT):
        """The next-token bars at the page's temperatures and T = 1, and what each did; a bad setting: no change
        (the button's columns name it, once)."""
        return self._distribution(name, prompt, mode, temperature, temperatures_text, int8, quiet=True)

    def _distribution(self, name, prompt, mode, temperature, temperatures_text, int8, quiet=False):
        try:
            entry = self.studio.catalog.get(name)
            temperatures = tuple(dict.fromkeys(forms.page_sampling(mode, temperature, temperatures_text).temperatures))
            logits = next_token_logits(entry.engine(bool(int8)), entry.tokenizer, prompt or "")
            effects = [temperature_effect(logits, value, entry.tokenizer) for value in temperatures]
        except (ValueError, TypeError) as error:
            if quiet:
                return gr.skip(), gr.skip()
            raise user_error(error) from error
        shown = temperatures if 1 in temperatures else (*temperatures, 1.0)
        chart = html.distribution_bars(*top_probabilities(logits, entry.tokenizer, shown))
        return chart, html.temperature_note(effects)

    def temperature_view(self, name, prompt, temperature, int8=INT8_DEFAULT):
        """The bars at the slider's temperature, as it moves; a bad setting is named."""
        return self._distribution(name, prompt, forms.SINGLE_SAMPLE, temperature, "", int8)

    def api_generate(self, model: str, prompt: str, temperatures: list[float], max_new_tokens: int = 100,
                     seed: int = 0, top_k: int | None = None, top_p: float | None = None,
                     int8: bool = INT8_DEFAULT) -> Iterator[list[str]]:
        """One sample per temperature (prompt included), reproducible with the seed.
        Stops at the time limit with a warning; a cancelled request stops drawing
        within a fraction of a second."""
        limit = self.studio.settings.generation_seconds
        try:
            entry = self.studio.catalog.get(model)
            settings = forms.api_sampling(temperatures, max_new_tokens, seed, top_k, top_p)
            engine = entry.engine(bool(int8))
            started = time.perf_counter()
            encoded = encode_prompt(entry.tokenizer, prompt or "")
            steps = stream(engine, entry.tokenizer, encoded, settings, details=False)
            first = next(steps)
        except (ValueError, TypeError) as error:
            raise user_error(error) from error
        collector, truncated = Collector(entry.tokenizer, encoded, settings), False
        for step, action in paced(itertools.chain([first], steps), started, limit, self.studio.settings.api_interval):
            collector.add(step)
            if action == STOP:
                truncated = True
                break
            if action == SHOW:
                yield collector.samples().texts  # each yield lets a cancel land
        if truncated:
            gr.Warning(f"stopped at the {limit:g} s limit per request: the samples are cut short")
        yield collector.samples(truncated).texts

    def comparison(self, name, prompt, mode, temperature, temperatures_text, max_new_tokens, seed, top_k, top_p,
                   int8) -> Comparison:
        entry = self.studio.catalog.get(name)
        settings = forms.page_sampling(mode, temperature, temperatures_text, max_new_tokens, seed, top_k, top_p)
        encoded = encode_prompt(entry.tokenizer, prompt or "")
        samples = generate(entry.engine(bool(int8)), entry.tokenizer, encoded, settings)
        prompt_ids = [] if encoded.fresh_start else encoded.ids
        notes = [novelty_note(novelty(entry.training_index(), prompt_ids, sample.token_ids))
                 for sample in samples.samples]
        facts = self.studio.model_facts(name).replace("  \n", " · ")
        folder = Path(entry.folder).resolve()
        shown = folder.relative_to(Path.cwd()) if folder.is_relative_to(Path.cwd()) else folder  # a hand-out path
        return Comparison(name, str(shown), prompt or "", settings, bool(int8), samples.texts, notes, facts)

    def handout_files(self, *fields) -> list[str]:
        """The handout of what the tab shows, in Markdown and HTML, written to a fresh folder."""
        try:
            comparison = self.comparison(*fields)
        except (ValueError, TypeError) as error:
            raise user_error(error) from error
        folder = Path(tempfile.mkdtemp(prefix="lm-handout-"))
        (folder / "handout.md").write_text(markdown(comparison), encoding="utf-8")
        (folder / "handout.html").write_text(page(comparison), encoding="utf-8")
        return [str(folder / "handout.md"), str(folder / "handout.html")]

    def handout_view(self, *fields):
        """The handout's files, shown: the file box appears once there is a handout in it."""
        return gr.File(value=self.handout_files(*fields), visible=True)


def generate_tab(generate: Generate, default_model: str | None) -> GenerateView:
    """The Generate tab; returns the components the model change updates."""
    studio = generate.studio
    concurrency = studio.settings.sampling_concurrency
    with gr.Row():
        with gr.Column(scale=1, min_width=340):
            model = gr.Dropdown(studio.catalog.choices(), value=default_model, label="Model")
            facts = gr.Markdown(studio.model_facts(default_model) if default_model else "No checkpoints found.")
            prompt = gr.Textbox(label="Prompt", lines=2, value=studio.first_example(default_model))
            with gr.Row():
                run = gr.Button("Generate", variant="primary")
                stop = gr.Button("Stop")
            temperatures = gr.Textbox(PAGE_TEMPERATURES, label=f"Temperatures to compare (up to {MAX_COLUMNS})")
            examples = gr.Dataset(components=[prompt],
                                  samples=studio.examples_for(default_model) if default_model else [[""]],
                                  label="Example prompts (click to use)")
            mode = gr.Radio([COMPARE, SINGLE_SAMPLE], value=COMPARE, label="View")
            temperature = gr.Slider(0, 5, value=0.8, step=0.05, label="Temperature (single sample)")
            with gr.Row():
                guess = gr.Checkbox(False, label="Guess the temperature", info="hide and shuffle the column labels",
                                    scale=0, min_width=220)
                reveal = gr.Button("Reveal", size="sm", scale=0, min_width=90)
            max_new_tokens, seed, top_k, top_p, int8 = advanced_settings()
        with gr.Column(scale=3):
            with gr.Row():
                show_tokens = gr.Checkbox(False, label="Show tokens", scale=0, min_width=160)
                shade = gr.Checkbox(True, label="Shade by probability", scale=0, min_width=200)
            output = gr.HTML(elem_id="lm-columns", js_on_load=EXPLAIN_TOKEN_CLICK)
            run_status = gr.Markdown()
            handout_button, handout_files = handout_row()
            with gr.Accordion("Next-token distribution for the prompt", open=True):
                note = gr.HTML(elem_id="lm-temperature-note")
                distribution = gr.HTML()

    settings = [model, prompt, mode, temperature, temperatures, max_new_tokens, seed, top_k, top_p, int8]
    handout_button.click(generate.handout_view, settings, handout_files, api_visibility="private",
                         concurrency_limit=concurrency, concurrency_id=SAMPLING)
    generation = run.click(generate.view, settings, [output, run_status], api_name="generate_view",
                           api_visibility="private", concurrency_limit=concurrency, concurrency_id=SAMPLING)
    run.click(generate.distribution_view, [model, prompt, mode, temperature, temperatures, int8], [distribution, note],
              api_visibility="private", concurrency_limit=concurrency, concurrency_id=SAMPLING)
    temperature.change(generate.temperature_view, [model, prompt, temperature, int8], [distribution, note],
                       api_visibility="private", trigger_mode="always_last", show_progress="hidden",
                       concurrency_limit=concurrency)
    guess.change(None, guess, None, js=GUESS_SWITCH)
    reveal.click(None, None, None, js=GUESS_REVEAL)
    run.click(None, None, None, js=GUESS_NEW_RUN)
    stop.click(None, None, None, cancels=[generation])
    examples.click(lambda sample: sample[0], examples, prompt, api_visibility="private", queue=False)
    model.change(generate.offered_prompt, [model, prompt], prompt, api_visibility="private")
    body_class_switch(show_tokens, "lm-show-tokens")
    body_class_switch(shade, "lm-no-shade", when=False)
    return GenerateView(model, facts, examples, output, settings)


def advanced_settings() -> tuple[gr.Slider, gr.Number, gr.Number, gr.Slider, gr.Checkbox]:
    """The Generate tab's folded settings: length, seed (with a button for a new one), top-k, top-p, int8."""
    with gr.Accordion("Advanced", open=False):
        max_new_tokens = gr.Slider(1, 1000, value=200, step=1, label="Max new tokens")
        with gr.Row():
            seed = gr.Number(0, precision=0, label="Seed")
            new_seed = gr.Button("New seed")
        top_k = gr.Number(0, precision=0, label="Top-k (0 = off)")
        top_p = gr.Slider(0.05, 1.0, value=1.0, step=0.05, label="Top-p (1 = off)")
        int8 = gr.Checkbox(INT8_DEFAULT, label="int8 weights (faster on CPU; off = fp32)")
    new_seed.click(lambda: random.randint(0, 2**31 - 1), None, seed, api_visibility="private", queue=False)
    return max_new_tokens, seed, top_k, top_p, int8


def handout_row() -> tuple[gr.Button, gr.File]:
    """The Generate view's handout button and the files it offers."""
    with gr.Row():
        button = gr.Button("Download a handout", scale=0, min_width=200)
        files = gr.File(label="Handout (Markdown and HTML)", file_count="multiple", elem_id="lm-handout",
                        visible=False)  # shown with the first handout
    return button, files
