"""What every tab shares: the ``Studio`` (the settings, the model catalog,
the training queue and the trained models' owners), how a user's error
becomes a message (``user_error``), how a stream is paced (``paced``), and
the page pieces several tabs use (a model picker with its example prompt, a
switch that sets a class on the page's body)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import gradio as gr

from lm.sampling import Step
from studio.catalog import Catalog, offered_hub_models
from studio.html.card import model_facts
from studio.settings import EXAMPLES, FALLBACK_EXAMPLES, SHIPPED_MODELS, Settings
from studio.training.jobs import Trainer
from studio.training.user_models import UserModels

SAMPLING = "sampling"  # the concurrency group of every request that runs a model
SHOW, STOP = "show", "stop"  # what ``paced`` asks of a step


def user_error(error: Exception) -> gr.Error:
    return gr.Error(str(error), print_exception=False)


def paced(steps: Iterator[Step], started: float, limit: float, interval: float,
          clock: Callable[[], float] = time.perf_counter) -> Iterator[tuple[Step, str]]:
    """Each step of a stream with what to do once it is taken in: ``STOP``
    when ``limit`` seconds have passed since ``started``, ``SHOW`` for the
    first step (the first token is out at once) and when ``interval`` seconds
    have passed since the last ``SHOW``, else ``""``."""
    last_shown = -math.inf
    for step in steps:
        now = clock()
        if now - started >= limit:
            yield step, STOP
        elif now - last_shown >= interval:
            last_shown = now
            yield step, SHOW
        else:
            yield step, ""


class Studio:
    """The app's shared state. Building one reads the Hub model list (a bad
    one is logged and ignored) and clears what unfinished training runs left
    behind; models load on first use (``default_model`` warms the first).
    Trained models go to ``settings.user_models``, owned by the browser that
    trained them; runs wait their turn in ``trainer``."""

    def __init__(self, settings: Settings, trainer: Trainer | None = None):
        self.settings = settings
        hub_models = offered_hub_models(settings.hub_models_file)
        self.catalog = Catalog(settings.checkpoints, preferred=SHIPPED_MODELS, hub_models=hub_models,
                               pinned=SHIPPED_MODELS, max_loaded=settings.max_loaded_models,
                               user_root=settings.user_models)
        self.user_models = UserModels(settings.user_models, settings.user_models_max,
                                      settings.user_models_max_bytes, reserved=self.catalog.shipped_names)
        self.user_models.remove_leftovers()
        self.trainer = trainer or Trainer(settings.train_queue, settings.train_threads)

    @classmethod
    def from_environment(cls, root: str | Path) -> "Studio":
        """The studio of ``root``'s ``checkpoints/`` and ``models.json``, as
        the environment sets it (see ``Settings.from_environment``)."""
        return cls(Settings.from_environment(root))

    def default_model(self) -> str | None:
        """The first model that loads, loaded now so that the first request
        does not wait for it; None when none does (the catalog logs why)."""
        for name in self.catalog.names():
            try:
                self.catalog.get(name)
                return name
            except ValueError:
                continue
        return None

    def model_facts(self, name: str) -> str:
        return model_facts(self.catalog.get(name))

    def examples_for(self, name: str) -> list[list[str]]:
        corpus = self.catalog.get(name).metrics.get("corpus", "")
        return [[text] for text in EXAMPLES.get(corpus, FALLBACK_EXAMPLES)]

    def first_example(self, name: str | None) -> str:
        """The prompt a tab opens with for model ``name``."""
        return self.examples_for(name)[0][0] if name else ""


def model_and_prompt(studio: Studio, default_model: str | None) -> tuple[gr.Dropdown, gr.Textbox]:
    """A tab's model picker and prompt box, the prompt one of the model's examples."""
    model = gr.Dropdown(studio.catalog.choices(), value=default_model, label="Model")
    prompt = gr.Textbox(label="Prompt", lines=2, value=studio.first_example(default_model))
    return model, prompt


def sample_controls(studio: Studio, default_model: str | None, max_tokens: int, tokens: int) -> tuple:
    """A sampling tab's settings column: model, prompt, temperature, tokens to
    generate (up to ``max_tokens``, ``tokens`` at first) and seed."""
    model, prompt = model_and_prompt(studio, default_model)
    temperature = gr.Slider(0, 5, value=0.8, step=0.05, label="Temperature")
    max_new_tokens = gr.Slider(1, max_tokens, value=tokens, step=1, label="Tokens to generate")
    seed = gr.Number(0, precision=0, label="Seed")
    return model, prompt, temperature, max_new_tokens, seed


def row_click(attribute: str, field: str) -> str:
    """A script for an HTML component: a click on a table row (or inside it)
    carrying ``data-<attribute>``, or Enter or Space on such a row when it has
    the keyboard's focus, reports that number as the event's ``field``."""
    key = "".join(word if index == 0 else word.capitalize() for index, word in enumerate(attribute.split("-")))
    return f"""
const report = (event) => {{
  const row = event.target.closest('tr[data-{attribute}]');
  if (row) trigger('click', {{{field}: Number(row.dataset.{key})}});
}};
element.addEventListener('click', report);
element.addEventListener('keydown', (event) => {{
  if (event.key !== 'Enter' && event.key !== ' ') return;
  event.preventDefault();
  report(event);
}});
"""


# Shows the One step tab (through the phone's "More tabs" menu when it sits there).
OPEN_ONE_STEP = """
() => {
  const find = () => [...document.querySelectorAll('button[role=tab], .overflow-dropdown button')]
    .find((button) => button.textContent.trim() === 'One step');
  if (!find()) document.querySelector('button[aria-label="More tabs"]')?.click();
  find()?.click();
}
"""
# A click on a token of a Generate column reports the column, the token's place in it and its id, then shows One step.
EXPLAIN_TOKEN_CLICK = """
element.addEventListener('click', (event) => {
  const token = event.target.closest('.lm-token'), column = token && token.closest('.lm-column');
  if (!column) return;
  trigger('click', {column: [...element.querySelectorAll('.lm-column')].indexOf(column),
                    index: [...column.querySelectorAll('.lm-token')].indexOf(token), token_id: Number(token.dataset.id)});
  (""" + OPEN_ONE_STEP.strip() + """)();
});
"""


def body_class_switch(checkbox: gr.Checkbox, name: str, when: bool = True) -> None:
    """Put CSS class ``name`` on the page's body while ``checkbox`` is
    ``when``: switched in the browser, with no round trip to the server."""
    checkbox.change(None, checkbox, None,
                    js=f"(on) => {{ document.body.classList.toggle('{name}', on === {str(when).lower()}); }}")
