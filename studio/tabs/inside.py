"""The Inside tab and the ``/inspect`` endpoint: one column
sampled on the fp32 stepwise path with the top LSTM layer's gates, cell
state and hidden output per generated token, streamed as a heatmap; a picked
unit shades the text; units ranked by how well they follow a feature of the
text. The readings of the last run stay in the browser session's state, so
picking another unit or signal needs no new sample."""

from __future__ import annotations

import time
from dataclasses import dataclass

import gradio as gr
import torch

from lm.lesson.inspection import (
    FEATURES,
    MAX_INSPECT_TOKENS,
    MAX_INSPECT_UNITS,
    SIGNALS,
    InspectedStep,
    feature_values,
    inspect,
    inspect_stream,
    most_active_units,
    rank_units,
)
from lm.prompt import encode_prompt
from lm.tokenizer import Gap
from studio import forms
from studio.core import SAMPLING, Studio, row_click, sample_controls, user_error
from studio.html import inside as inside_views

INSIDE_INTERVAL = 0.25  # seconds between heatmap updates while sampling
HEATMAP_CLICK = row_click("unit", "unit")  # a click on a heatmap row (or its unit number) reports the row's unit


@dataclass
class InsideRun:
    """The readings of one inspected sample, kept per browser session."""

    prompt: str  # as the model read it
    pieces: list[str]
    signals: dict[str, torch.Tensor]  # signal -> (T, H)
    gap: Gap  # what goes between shown pieces: the tokenizer's

    @classmethod
    def of(cls, prompt: str, steps: list[InspectedStep], gap: Gap) -> "InsideRun":
        signals = {signal: torch.stack([item.values(signal) for item in steps]) if steps else torch.zeros(0, 1)
                   for signal in SIGNALS}  # (T, H) each
        return cls(prompt, [item.step.pieces[0] for item in steps], signals, gap)

    def units(self, count: int, picked: int | None) -> list[int]:
        """The ``count`` most active units, the picked one included."""
        units = most_active_units(self.signals["cell"], count) if self.pieces else []
        if picked is not None and picked not in units and 0 <= picked < self.signals["cell"].size(1):
            units = sorted([*units[: count - 1], picked])
        return units

    def ranking(self, feature: str) -> list[tuple[int, float]]:
        if not self.pieces:
            return []
        return rank_units(self.signals["cell"], feature_values(feature, self.prompt, self.pieces, self.gap))


class Inside:
    """The Inside view's callbacks and ``/inspect``, over a ``Studio``."""

    def __init__(self, studio: Studio):
        self.studio = studio

    def stream_view(self, name, prompt, temperature, max_new_tokens, seed, units, feature, signal, picked):
        """Stream (heatmap, shaded text, ranking, session state) while the
        inspected sample is drawn."""
        try:
            entry = self.studio.catalog.get(name)
            settings = forms.inside_sampling(temperature, max_new_tokens, seed)
            count, picked = forms.unit_count(units), forms.picked_unit(picked, entry.model.hidden_size)
            forms.check_choice("feature", feature, list(FEATURES))
            forms.check_choice("signal", signal, list(SIGNALS))
            encoded = encode_prompt(entry.tokenizer, prompt or "")
            steps = inspect_stream(entry.model, entry.tokenizer, encoded, settings)
        except ValueError as error:
            raise user_error(error) from error
        shown_prompt = "" if encoded.fresh_start else entry.tokenizer.decode(encoded.ids)
        gap = entry.tokenizer.gap
        drawn: list[InspectedStep] = []
        last_shown = time.perf_counter()
        for item in steps:
            drawn.append(item)
            if time.perf_counter() - last_shown >= INSIDE_INTERVAL:
                last_shown = time.perf_counter()
                yield self._shown(InsideRun.of(shown_prompt, drawn, gap), count, feature, signal, picked)
        yield self._shown(InsideRun.of(shown_prompt, drawn, gap), count, feature, signal, picked)

    def unit_view(self, run: InsideRun | None, units, feature, signal, picked):
        """Show the last run again for another unit, signal or feature."""
        if run is None:
            return "", "Run a sample first.", "", None
        try:
            count, picked = forms.unit_count(units), forms.picked_unit(picked, run.signals["cell"].size(1))
            forms.check_choice("feature", feature, list(FEATURES))
            forms.check_choice("signal", signal, list(SIGNALS))
        except ValueError as error:
            raise user_error(error) from error
        return self._shown(run, count, feature, signal, picked)

    @staticmethod
    def clicked_unit(event: gr.EventData) -> int | None:
        """The unit of the heatmap row that was clicked."""
        unit = getattr(event, "unit", None)
        return unit if isinstance(unit, int) and not isinstance(unit, bool) else None

    def _shown(self, run: InsideRun, count: int, feature: str, signal: str, picked: int | None):
        ranked = run.ranking(feature)
        # The text is shaded by the picked unit, else by the unit that follows the feature best: a row either way.
        shaded = picked if picked is not None else (ranked[0][0] if ranked else None)
        units = run.units(count, shaded)
        values = run.signals[signal][:, units].tolist() if run.pieces else []
        heatmap = inside_views.heatmap(run.pieces, units, values, signal, shaded)
        unit = shaded if shaded is not None else (units[0] if units else 0)
        text = ""
        if run.pieces:
            column = run.signals[signal][:, unit].tolist()
            text = inside_views.shaded_text(run.prompt, run.pieces, column, unit, signal, run.gap)
        return heatmap, text, inside_views.ranking(feature, ranked), run

    def api_inspect(
        self,
        model: str,
        prompt: str,
        temperature: float = 0.8,
        max_new_tokens: int = 100,
        seed: int = 0,
        units: int = 16,
    ) -> dict:
        """One sample at one temperature on fp32 weights with the top LSTM
        layer's readings per generated token: ``signals[name][token][i]`` is
        the value of unit ``units[i]``; at most 500 tokens × 64 units (``notes``
        says what was cut); ``rankings`` lists units by how well their cell
        state follows a feature of the text."""
        try:
            entry = self.studio.catalog.get(model)
            settings = forms.inside_sampling(temperature, forms.whole(max_new_tokens), forms.whole(seed))
            result = inspect(entry.model, entry.tokenizer, prompt or "", settings, forms.whole(units))
        except (ValueError, TypeError) as error:
            raise user_error(error) from error
        return {"prompt": result.prompt, "pieces": result.pieces, "units": result.units,
                "signals": {name: [[round(value, 4) for value in row] for row in rows]
                            for name, rows in result.signals.items()},
                "rankings": {feature: [[unit, round(value, 4)] for unit, value in ranked]
                             for feature, ranked in result.rankings.items()},
                "notes": result.notes, "max_units": MAX_INSPECT_UNITS}


def inside_tab(inside: Inside, default_model: str | None) -> None:
    """One column sampled with the top LSTM layer's readings: a heatmap of
    units × tokens, the text shaded by a picked unit, units ranked by a
    feature of the text."""
    studio = inside.studio
    gr.Markdown("### Inside the LSTM: the top layer's cell state and gates for every generated token")
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            model, prompt, temperature, max_new_tokens, seed = sample_controls(studio, default_model,
                                                                               MAX_INSPECT_TOKENS, 120)
            run = gr.Button("Generate and look inside", variant="primary")
            units = gr.Slider(1, MAX_INSPECT_UNITS, value=16, step=1, label="Units to show")
            signal = gr.Radio(list(SIGNALS), value="cell", label="Signal")
            feature = gr.Dropdown(list(FEATURES), value=list(FEATURES)[0], label="Rank units by")
            # A text box, not a number box: empty means "the unit that follows the feature best" (a number box shows 0).
            unit = gr.Textbox("", label="Unit (click a heatmap row, or type its number)",
                              placeholder="empty: the best-ranked unit")
        with gr.Column(scale=3):
            ranking = gr.Markdown()
            heatmap = gr.HTML(elem_id="lm-heatmap", js_on_load=HEATMAP_CLICK)
            text = gr.HTML(elem_id="lm-unit-text")
    run_state = gr.State(None)
    shown = [heatmap, text, ranking, run_state]
    run.click(inside.stream_view, [model, prompt, temperature, max_new_tokens, seed, units, feature, signal, unit],
              shown, api_name="inside_view", api_visibility="private",
              concurrency_limit=studio.settings.sampling_concurrency, concurrency_id=SAMPLING)
    for control in (units, signal, feature, unit):
        control.change(inside.unit_view, [run_state, units, feature, signal, unit], shown, api_visibility="private",
                       show_progress="hidden")
    heatmap.click(inside.clicked_unit, None, unit, api_visibility="private", show_progress="hidden")
