"""Inside the LSTM while it writes: the top layer's gates, cell state and
hidden output for every generated token, and the units ranked by how well
they follow simple features of the text (start of a line, a capital letter,
inside quotes, inside a speaker's name), the way Karpathy, Johnson and
Fei-Fei (2015) found a quote-detecting cell.

The inspected sample runs on the fp32 stepwise path (``LSTMLanguageModel.step``
with readings), so it is the same sample as an fp32 column of ``stream`` with
the same settings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

from lm.model import GateReadings, LSTMLanguageModel
from lm.prompt import Prompt, as_prompt
from lm.sampling import SamplingSettings, Step, stream
from lm.tokenizer import Gap, Tokenizer, tail_piece

SIGNALS = ("cell", "hidden", "input_gate", "forget_gate", "output_gate")
MAX_INSPECT_TOKENS = 500
MAX_INSPECT_UNITS = 64
_SPEAKER_LINE = re.compile(r"^[A-Z][A-Za-z ]*[A-Z]:[ \t]*$", re.MULTILINE)


@dataclass
class InspectedStep:
    """One generated token and the top layer's values after reading it."""

    step: Step  # the sampler's step (one row)
    readings: GateReadings  # each (1, H)

    def values(self, signal: str) -> torch.Tensor:
        """``(H,)`` values of one of ``SIGNALS``."""
        if signal not in SIGNALS:
            raise ValueError(f"signal must be one of {SIGNALS}, got {signal!r}")
        return getattr(self.readings, signal)[0]


def inspect_stream(
    model: LSTMLanguageModel,
    tokenizer: Tokenizer,
    prompt: str | Prompt,
    settings: SamplingSettings,
) -> Iterator[InspectedStep]:
    """Sample one column (``settings`` must hold one temperature and one
    sample) and yield each generated token with the top layer's readings
    after the model has read it. The reading of a token is computed when the
    next one is drawn, so each token arrives one step late; a final ``<eos>``,
    which the model never reads, comes without one and is left out."""
    if settings.rows != 1:
        raise ValueError(f"inspect one column at a time: give one temperature, got {len(settings.temperatures)}")
    if not model.computes_gates():
        raise ValueError("inspecting needs the fp32 model in eval mode (int8 weights hide the gates)")
    readings: list[GateReadings] = []
    waiting: list[Step] = []
    for step in stream(model, tokenizer, as_prompt(tokenizer, prompt), settings, readings=readings):
        waiting.append(step)
        yield from _ready(waiting, readings)
    yield from _ready(waiting, readings)


def _ready(waiting: list[Step], readings: list[GateReadings]) -> Iterator[InspectedStep]:
    """The waiting steps whose readings exist, oldest first."""
    while waiting and len(readings) > waiting[0].index:
        step = waiting.pop(0)
        yield InspectedStep(step, readings[step.index])


# ----- features of the text that a unit may follow ---------------------------------


def _line_start(text: str, starts: list[int]) -> list[float]:
    return [1.0 if start == 0 or text[start - 1] == "\n" else 0.0 for start in starts]


def _capital(text: str, starts: list[int], ends: list[int]) -> list[float]:
    return [1.0 if text[start:end][:1].isupper() else 0.0 for start, end in zip(starts, ends)]


def _inside_quotes(text: str, starts: list[int]) -> list[float]:
    inside, opened = [], False
    for character in text:
        inside.append(opened)
        if character == '"':
            opened = not opened
    return [1.0 if (inside[start] if start < len(inside) else opened) else 0.0 for start in starts]


def _speaker_name(text: str, starts: list[int]) -> list[float]:
    spans = [(match.start(), match.end()) for match in _SPEAKER_LINE.finditer(text)]
    return [1.0 if any(low <= start < high for low, high in spans) else 0.0 for start in starts]


FEATURES: dict[str, Callable[[str, list[int], list[int]], list[float]]] = {
    "start of a line": lambda text, starts, ends: _line_start(text, starts),
    "capital letter": _capital,
    "inside quotes": lambda text, starts, ends: _inside_quotes(text, starts),
    "inside a speaker's name": lambda text, starts, ends: _speaker_name(text, starts),
}


def feature_values(feature: str, prefix: str, pieces: list[str], gap: Gap | None = None) -> list[float]:
    """1.0 for each piece that has ``feature`` in the text ``prefix`` + the
    pieces (``gap`` between them, as the tokenizer shows them; none between
    characters), else 0.0 (the prefix gives the context: a quote opened before)."""
    if feature not in FEATURES:
        raise ValueError(f"feature must be one of {list(FEATURES)}, got {feature!r}")
    text, starts, ends = prefix, [], []
    before = tail_piece(prefix)
    for piece in pieces:
        text += gap(before, piece) if gap else ""
        before = piece
        starts.append(len(text))
        text += piece
        ends.append(len(text))
    return FEATURES[feature](text, starts, ends)


def rank_units(values: torch.Tensor, feature: list[float], top: int = 10) -> list[tuple[int, float]]:
    """Units ordered by how closely they follow ``feature`` (absolute
    Pearson correlation over the tokens), best first, as ``(unit,
    correlation)``. ``values``: (T, H) signal per token; ``feature``: T values."""
    target = torch.tensor(feature, dtype=torch.float32)  # (T,)
    if values.size(0) < 2 or target.std() == 0:
        return []
    centred = values.float() - values.float().mean(0)  # (T, H)
    target = target - target.mean()
    spread = centred.norm(dim=0) * target.norm()  # (H,)
    correlation = (centred * target.unsqueeze(1)).sum(0) / spread.clamp_min(1e-12)  # (H,)
    order = correlation.abs().argsort(descending=True)[:top]
    return [(int(unit), float(correlation[unit])) for unit in order]


def most_active_units(values: torch.Tensor, count: int) -> list[int]:
    """The ``count`` units whose signal changes most over the tokens
    (standard deviation), in unit order. ``values``: (T, H)."""
    if values.size(0) < 2:
        return list(range(min(count, values.size(1))))
    spread = values.float().std(0)  # (H,)
    return sorted(int(unit) for unit in spread.argsort(descending=True)[:count])


@dataclass
class Inspection:
    """A whole inspected sample, ready to plot: per token, the chosen units'
    values of every signal, and the units ranked for every feature."""

    prompt: str  # the prompt as the model read it
    pieces: list[str]  # the generated tokens, decoded
    units: list[int]  # which units the value rows hold, in order
    signals: dict[str, list[list[float]]]  # signal -> per token, one value per unit in ``units``
    rankings: dict[str, list[tuple[int, float]]]  # feature -> (unit, correlation of its cell state), best first
    notes: list[str]  # what was cut to stay within the limits


def inspect(
    model: LSTMLanguageModel,
    tokenizer: Tokenizer,
    prompt: str | Prompt,
    settings: SamplingSettings,
    units: int | list[int] = 16,
) -> Inspection:
    """Sample one column and return its readings: the ``units`` most active
    units of the top layer (or the listed unit numbers), at most
    ``MAX_INSPECT_UNITS`` of them and ``MAX_INSPECT_TOKENS`` tokens."""
    notes = []
    if settings.max_new_tokens > MAX_INSPECT_TOKENS:
        notes.append(f"cut to {MAX_INSPECT_TOKENS} tokens (asked for {settings.max_new_tokens})")
        settings = SamplingSettings.of(settings, max_new_tokens=MAX_INSPECT_TOKENS)
    encoded = as_prompt(tokenizer, prompt)
    steps = list(inspect_stream(model, tokenizer, encoded, settings))
    chosen = _chosen_units(units, model.hidden_size, notes)
    shown_prompt = "" if encoded.fresh_start else tokenizer.decode(encoded.ids)
    pieces = [item.step.pieces[0] for item in steps]
    if not steps:
        return Inspection(shown_prompt, [], [], {signal: [] for signal in SIGNALS}, {}, notes)
    stacked = {signal: torch.stack([item.values(signal) for item in steps]) for signal in SIGNALS}  # (T, H) each
    if isinstance(chosen, int):
        chosen = most_active_units(stacked["cell"], chosen)
    rankings = {feature: rank_units(stacked["cell"], feature_values(feature, shown_prompt, pieces, tokenizer.gap))
                for feature in FEATURES}
    signals = {signal: values[:, chosen].tolist() for signal, values in stacked.items()}
    return Inspection(shown_prompt, pieces, chosen, signals, rankings, notes)


def _chosen_units(units: int | list[int], hidden_size: int, notes: list[str]) -> int | list[int]:
    """A count of most active units, or the listed unit numbers, checked."""
    if isinstance(units, bool) or not isinstance(units, (int, list, tuple)):
        raise ValueError(f"units must be a count or a list of unit numbers, got {units!r}")
    if isinstance(units, int):
        if not 1 <= units <= hidden_size:
            raise ValueError(f"units must be in [1, {hidden_size}] for this model, got {units}")
        if units > MAX_INSPECT_UNITS:
            notes.append(f"cut to {MAX_INSPECT_UNITS} units (asked for {units})")
        return min(units, MAX_INSPECT_UNITS)
    for unit in units:
        if isinstance(unit, bool) or not isinstance(unit, int) or not 0 <= unit < hidden_size:
            raise ValueError(f"unit numbers must be integers in [0, {hidden_size - 1}] for this model, got {unit!r}")
    if len(units) > MAX_INSPECT_UNITS:
        notes.append(f"cut to the first {MAX_INSPECT_UNITS} of {len(units)} units")
    return list(units)[:MAX_INSPECT_UNITS] or [0]
