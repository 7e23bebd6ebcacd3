"""The studio's behaviour: ``Studio`` holds the settings, the model catalog
and the Train view's handlers (``studio.train_handlers``), and its methods are the page's callbacks and the public API
(``/generate``, ``/score``). Each turns user input into ``lm`` objects with
``studio.forms``, calls ``lm``, and turns the result into what the page shows
with ``studio.views``; a ``ValueError`` becomes a ``gr.Error`` naming the bad
value."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import gradio as gr

from lm.scoring import next_token_logits, top_probabilities
from lm.lesson.temperature import temperature_effect
from lm.hub.loss_chart import loss_curve_svg
from lm.prompt import encode_prompt
from lm.sampling import Collector, Step, stream
from lm.scoring import score
from studio import forms, views
from studio.card_view import shown_card
from studio.catalog import Catalog
from studio.jobs import Trainer
from studio.model_list import offered_hub_models
from studio.novelty_views import training_index
from studio.settings import EXAMPLES, FALLBACK_EXAMPLES, INT8_DEFAULT, SHIPPED_MODELS, Settings
from studio.train_handlers import TrainHandlers

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
    """The app's state and its callbacks. Building one reads the Hub model
    list (a bad one is logged and ignored); models load on first use
    (``default_model`` warms the first)."""

    def __init__(self, settings: Settings, trainer: Trainer | None = None):
        self.settings = settings
        hub_models = offered_hub_models(settings.hub_models_file)
        self.catalog = Catalog(settings.checkpoints, preferred=SHIPPED_MODELS, hub_models=hub_models,
                               pinned=SHIPPED_MODELS, max_loaded=settings.max_loaded_models,
                               user_root=settings.user_models)
        self.training = TrainHandlers(settings, self.catalog, trainer)

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
        return views.model_facts(self.catalog.get(name))

    def model_card(self, name: str) -> tuple[str, str]:
        """The card's text (front matter dropped) and the loss per epoch as a chart."""
        entry = self.catalog.get(name)
        card_file = entry.folder / "README.md"
        card = card_file.read_text(encoding="utf-8") if card_file.is_file() else f"# {name}\n\nNo model card."
        card = shown_card(card)
        return card, loss_curve_svg(entry.metrics.get("history", []), entry.metrics.get("best_epoch"))

    def examples_for(self, name: str) -> list[list[str]]:
        corpus = self.catalog.get(name).metrics.get("corpus", "")
        return [[text] for text in EXAMPLES.get(corpus, FALLBACK_EXAMPLES)]

    def offered_prompt(self, name: str, prompt: str | None) -> str | dict:
        """The prompt after switching to model ``name``: its first example
        when ``prompt`` is empty or an example prompt of any model, else
        ``gr.skip()``: a prompt the user wrote stays, and so does any prompt
        when the model cannot load (``on_model_change`` says why)."""
        written = (prompt or "").strip()
        if written and written not in {text.strip() for texts in EXAMPLES.values() for text in texts}:
            return gr.skip()
        try:
            return self.examples_for(name)[0][0]
        except ValueError:
            return gr.skip()

    def on_model_change(self, name: str, progress=gr.Progress()):
        def downloaded(done: int, total: int) -> None:
            progress(done / total if total else None, desc=f"downloading {name}: {done / 1e6:.1f} MB")

        try:
            self.catalog.get(name, progress=downloaded)
            facts = self.model_facts(name)
            card, curve = self.model_card(name)
        except ValueError as error:
            raise user_error(error) from error
        return facts, gr.Dataset(samples=self.examples_for(name)), card, curve

    def generate_view(self, name, prompt, mode, temperature, temperatures_text, max_new_tokens, seed, top_k, top_p,
                      int8=INT8_DEFAULT):
        """Stream the side-by-side columns as HTML, plus a status line."""
        try:
            entry = self.catalog.get(name)
            settings = forms.page_sampling(mode, temperature, temperatures_text, max_new_tokens, seed, top_k, top_p)
            encoded = encode_prompt(entry.tokenizer, prompt or "")
            steps = stream(entry.engine(bool(int8)), entry.tokenizer, encoded, settings)
            first = next(steps)
        except (ValueError, TypeError) as error:
            raise user_error(error) from error
        level = entry.tokenizer.level
        page = views.SampleColumns(settings.temperatures, "" if encoded.fresh_start else entry.tokenizer.decode(encoded.ids),
                                   " " if level == "word" else "", read=encoded)
        limit, count, truncated = self.settings.generation_seconds, 0, False
        started = time.perf_counter()

        def shown() -> tuple[str, str]:
            status = views.generation_status(count, len(settings.temperatures), time.perf_counter() - started,
                                             encoded.unknown, level, encoded.fresh_start, limit if truncated else None)
            return page.html(), status

        for step, action in paced(itertools.chain([first], steps), started, limit, self.settings.stream_interval):
            count += 1
            page.add(step)
            if action == STOP:
                truncated = True
                page.mark_truncated()
                break
            if action == SHOW:
                yield shown()
        page.mark_copied(training_index(entry.folder), [] if encoded.fresh_start else encoded.ids)
        yield shown()

    def distribution_view(self, name, prompt, mode, temperature, temperatures_text, int8=INT8_DEFAULT):
        """The next-token distribution after the prompt as bars at the page's
        temperatures and at T = 1, and the note on what each of those
        temperatures did to it; both from one set of logits."""
        try:
            entry = self.catalog.get(name)
            temperatures = tuple(dict.fromkeys(forms.page_sampling(mode, temperature, temperatures_text).temperatures))
            logits = next_token_logits(entry.engine(bool(int8)), entry.tokenizer, prompt or "")
            effects = [temperature_effect(logits, value, entry.tokenizer) for value in temperatures]
        except (ValueError, TypeError) as error:
            raise user_error(error) from error
        shown = temperatures if 1 in temperatures else (*temperatures, 1.0)
        chart = views.distribution_bars(*top_probabilities(logits, entry.tokenizer, shown))
        return chart, views.temperature_note(effects)

    def temperature_view(self, name, prompt, temperature, int8=INT8_DEFAULT):
        """``distribution_view`` at the single-sample slider's temperature (called as the slider moves)."""
        return self.distribution_view(name, prompt, forms.SINGLE_SAMPLE, temperature, "", int8)

    def score_view(self, names, text):
        if not names:
            raise gr.Error("pick at least one model to score with", print_exception=False)
        names = [names] if isinstance(names, str) else names
        parts = []
        for name in names:
            try:
                entry = self.catalog.get(name)
                result = score(entry.model, entry.tokenizer, text or "")
            except ValueError as error:
                raise user_error(error) from error
            parts.append(views.score_section(name, result, " " if entry.tokenizer.level == "word" else ""))
        return "".join(parts)

    def api_generate(
        self,
        model: str,
        prompt: str,
        temperatures: list[float],
        max_new_tokens: int = 100,
        seed: int = 0,
        top_k: int | None = None,
        top_p: float | None = None,
        int8: bool = INT8_DEFAULT,
    ) -> Iterator[list[str]]:
        """One sample per temperature (prompt included), reproducible with the seed.
        Stops at the time limit with a warning; a cancelled request stops drawing
        within a fraction of a second."""
        limit = self.settings.generation_seconds
        try:
            entry = self.catalog.get(model)
            settings = forms.api_sampling(temperatures, max_new_tokens, seed, top_k, top_p)
            engine = entry.engine(bool(int8))
            started = time.perf_counter()
            encoded = encode_prompt(entry.tokenizer, prompt or "")
            steps = stream(engine, entry.tokenizer, encoded, settings, details=False)
            first = next(steps)
        except (ValueError, TypeError) as error:
            raise user_error(error) from error
        collector, truncated = Collector(entry.tokenizer, encoded, settings), False
        for step, action in paced(itertools.chain([first], steps), started, limit, self.settings.api_interval):
            collector.add(step)
            if action == STOP:
                truncated = True
                break
            if action == SHOW:
                yield collector.samples().texts  # each yield lets a cancel land
        if truncated:
            gr.Warning(f"stopped at the {limit:g} s limit per request: the samples are cut short")
        yield collector.samples(truncated).texts

    def api_score(self, model: str, text: str) -> dict:
        """Per-token surprisal (bits) and the text's perplexity."""
        try:
            entry = self.catalog.get(model)
            result = score(entry.model, entry.tokenizer, text or "")
        except (ValueError, TypeError) as error:
            raise user_error(error) from error
        return {
            "tokens": result.pieces,
            "surprisal_bits": result.surprisals,
            "perplexity": None if not result.pieces else result.perplexity,
            "unknown": result.unknown,
        }
