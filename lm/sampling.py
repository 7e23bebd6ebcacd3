"""Stepwise, batched sampling, and ``SamplingSettings``, the one validated
description of what to draw.

The prompt is run through the model once; after that each step feeds only the
token just drawn, with the LSTM state carried forward. Every temperature (and
every sample per temperature) is one row of a single batch.

Randomness: the columns share one stream of random numbers. Each step draws
one uniform number per sample index and every temperature uses that same
number for an inverse-CDF draw from ``softmax(logits / T)`` (tokens in id
order), so the only difference between columns is the temperature; at
``T = 0`` the draw is the argmax. The same seed gives the same output.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import torch

from lm.model import GateReadings, LSTMLanguageModel
from lm.prompt import Prompt, as_prompt
from lm.tokenizer import EOS_ID, UNK_ID, Tokenizer

DEFAULT_TEMPERATURES = (0.5, 0.8, 1.0)
MAX_TEMPERATURE = 5.0
MAX_TEMPERATURES = 6
MAX_SAMPLES_PER_TEMPERATURE = 8
MAX_NEW_TOKENS = 2000
TOP_ALTERNATIVES = 5


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class SamplingSettings:
    """What to draw; built once from the page, the API or the command line
    and carried unchanged to the sampler. Each range is checked here and
    nowhere else."""

    temperatures: tuple[float, ...] = DEFAULT_TEMPERATURES  # one column each; 0 is greedy
    max_new_tokens: int = 100  # steps after the prompt, unless every row draws <eos> first
    seed: int = 0  # the same seed, the same samples
    top_k: int | None = None  # draw only among the k most likely tokens
    top_p: float | None = None  # draw only within the nucleus holding this much probability
    samples_per_temperature: int = 1  # rows per temperature

    def __post_init__(self) -> None:
        if not _is_integer(self.seed):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")
        temperatures = self.temperatures
        if not isinstance(temperatures, (list, tuple)) or not 1 <= len(temperatures) <= MAX_TEMPERATURES:
            count = len(temperatures) if isinstance(temperatures, (list, tuple)) else temperatures
            raise ValueError(f"give between 1 and {MAX_TEMPERATURES} temperatures, got {count}")
        for temperature in temperatures:
            if (isinstance(temperature, bool) or not isinstance(temperature, (int, float))
                    or not 0.0 <= temperature <= MAX_TEMPERATURE):
                raise ValueError(f"temperature must be in [0, {MAX_TEMPERATURE:g}], got {temperature}")
        object.__setattr__(self, "temperatures", tuple(temperatures))
        if not _is_integer(self.max_new_tokens) or not 1 <= self.max_new_tokens <= MAX_NEW_TOKENS:
            raise ValueError(f"max_new_tokens must be an integer in [1, {MAX_NEW_TOKENS}], got {self.max_new_tokens}")
        if self.top_k is not None and (not _is_integer(self.top_k) or self.top_k < 1):
            raise ValueError(f"top_k must be a positive integer or None, got {self.top_k}")
        if self.top_p is not None and (not isinstance(self.top_p, (int, float)) or not 0.0 < self.top_p <= 1.0):
            raise ValueError(f"top_p must be in (0, 1] or None, got {self.top_p}")
        rows = self.samples_per_temperature
        if not _is_integer(rows) or not 1 <= rows <= MAX_SAMPLES_PER_TEMPERATURE:
            raise ValueError(f"samples_per_temperature must be in [1, {MAX_SAMPLES_PER_TEMPERATURE}], got {rows}")

    @classmethod
    def of(cls, settings: "SamplingSettings | None" = None, **options) -> "SamplingSettings":
        """``settings`` with ``options`` replacing some of its fields (or
        defaults with ``options``, when there are no settings)."""
        if settings is None:
            return cls(**options)
        return dataclasses.replace(settings, **options) if options else settings

    @property
    def rows(self) -> int:
        return len(self.temperatures) * self.samples_per_temperature


@dataclass
class Step:
    """One step of every row: what was drawn, how likely it was, what else
    was likely, and which rows have ended (drew ``<eos>``) by now."""

    index: int
    token_ids: list[int]
    pieces: list[str]  # decoded text each row adds ("" for <eos>)
    probabilities: list[float]
    alternatives: list[list[tuple[str, float]]]  # per row: top-5 (token, probability)
    ended: list[bool]
    unk_masked: list[int]  # per row, running count of draws that would have been <unk>
    uniforms: list[float] = field(default_factory=list)  # per row, the step's uniform number (shared by temperature)


@dataclass
class Sample:
    temperature: float
    text: str  # prompt + continuation
    continuation: str
    token_ids: list[int] = field(default_factory=list)
    ended: bool = False  # drew <eos>
    unk_masked: int = 0


@dataclass
class Samples:
    prompt: Prompt
    samples: list[Sample]
    truncated: bool = False  # stopped at the time limit before max_new_tokens

    @property
    def texts(self) -> list[str]:
        return [sample.text for sample in self.samples]


def _restrict(scaled: torch.Tensor, top_k: int | None, top_p: float | None) -> torch.Tensor:
    """Set logits outside the top-k / nucleus to -inf. ``scaled``: (B, V)."""
    if top_k is not None and top_k < scaled.size(-1):
        kth = torch.topk(scaled, top_k, dim=-1).values[:, -1:]  # (B, 1)
        scaled = scaled.masked_fill(scaled < kth, -math.inf)
    if top_p is not None and top_p < 1.0:
        sorted_logits, order = torch.sort(scaled, dim=-1, descending=True)  # (B, V)
        cumulative = sorted_logits.softmax(-1).cumsum(-1)
        # Drop a token when the tokens before it already reach top_p.
        drop_sorted = (cumulative - sorted_logits.softmax(-1)) >= top_p
        drop = torch.zeros_like(drop_sorted).scatter(-1, order, drop_sorted)
        scaled = scaled.masked_fill(drop, -math.inf)
    return scaled


def next_token_probabilities(logits: torch.Tensor, temperatures: torch.Tensor, top_k: int | None = None,
                             top_p: float | None = None) -> torch.Tensor:
    """What each row draws from: ``softmax(logits / T)`` over the top-k / nucleus tokens (``draw`` leaves
    ``<unk>`` out; a row at T = 0 takes the argmax). ``logits``: (B, V), ``temperatures``: (B, 1) -> (B, V)."""
    safe = torch.where(temperatures == 0, torch.ones_like(temperatures), temperatures)  # (B, 1)
    return _restrict(logits / safe, top_k, top_p).softmax(-1)


def draw(probabilities: torch.Tensor, uniform: torch.Tensor, greedy_rows: torch.Tensor | None):
    """One token per row from ``probabilities`` (B, V) by inverse CDF with
    ``uniform`` (B,), never ``<unk>``; greedy rows take the argmax. Returns the
    drawn ids (B,), their probability without ``<unk>`` (B,), whether the
    draw would have been ``<unk>`` (B,), and the mass left without it (B, 1).
    ``probabilities`` loses its ``<unk>`` column in place."""
    unk_probability = probabilities[:, UNK_ID].clone()  # (B,)
    probabilities[:, UNK_ID] = 0.0
    cumulative = probabilities.cumsum(-1)  # (B, V), ends at 1 - p(<unk>)
    total = cumulative[:, -1:]  # (B, 1)
    # In id order <unk> (id 0) owns [0, p(<unk>)): a draw there is one the
    # seeds would have redrawn. Spreading u over the rest draws from the
    # distribution without <unk>, exactly what redrawing converges to.
    would_be_unk = uniform < unk_probability
    target = (uniform.unsqueeze(1) * total * (1 - 1e-6)).contiguous()  # (B, 1)
    drawn = torch.searchsorted(cumulative, target, right=True).squeeze(1).clamp_(max=probabilities.size(-1) - 1)  # (B,)
    if greedy_rows is not None:
        best = probabilities.argmax(-1)  # (B,)
        drawn = torch.where(greedy_rows, best, drawn)
        best_probability = probabilities.gather(1, best.unsqueeze(1)).squeeze(1)
        would_be_unk = torch.where(greedy_rows, unk_probability > best_probability, would_be_unk)
    chosen = probabilities.gather(1, drawn.unsqueeze(1)).squeeze(1) / total.squeeze(1)  # (B,)
    return drawn, chosen, would_be_unk, total


@torch.inference_mode()
def stream(
    model: LSTMLanguageModel,
    tokenizer: Tokenizer,
    prompt: str | Prompt,
    settings: SamplingSettings | None = None,
    *,
    details: bool = True,
    readings: list[GateReadings] | None = None,
    **options,
) -> Iterator[Step]:
    """Yield one ``Step`` per new token for all rows at once; rows are the
    temperatures in order, each repeated ``samples_per_temperature`` times.
    Stops when every row has drawn ``<eos>`` or after ``max_new_tokens``.
    ``options`` are ``SamplingSettings`` fields (``temperatures=[0.5, 1.0]``).
    ``details=False`` skips the decoded pieces and the top-5 alternatives;
    ``readings`` (fp32 only) gets the top layer's gates after each model step
    (``lm.lesson.inspection``). ``prompt``: text, or a ``Prompt`` from ``encode_prompt``."""
    settings = SamplingSettings.of(settings, **options)
    encoded = as_prompt(tokenizer, prompt)
    model.eval()
    device = next(model.parameters()).device
    per_temperature = settings.samples_per_temperature
    row_temperatures = torch.tensor([t for t in settings.temperatures for _ in range(per_temperature)],
                                    device=device).unsqueeze(1)  # (B, 1)
    rows = row_temperatures.size(0)
    greedy = row_temperatures == 0  # (B, 1)
    sample_index = torch.arange(rows, device=device) % per_temperature  # (B,)
    generator = torch.Generator(device="cpu").manual_seed(settings.seed)

    prompt_ids = torch.tensor([encoded.ids], device=device)  # (1, P)
    logits, (hidden, cell) = model(prompt_ids)  # (1, P, V)
    state = (hidden.expand(-1, rows, -1).contiguous(), cell.expand(-1, rows, -1).contiguous())  # (L, B, H)
    last = logits[:, -1].float().expand(rows, -1)  # (B, V)
    ended = torch.zeros(rows, dtype=torch.bool, device=device)
    unk_counts = torch.zeros(rows, dtype=torch.long, device=device)
    greedy_rows = greedy.squeeze(1)  # (B,)
    any_greedy = bool(greedy_rows.any())
    for index in range(settings.max_new_tokens):
        probabilities = next_token_probabilities(last, row_temperatures, settings.top_k, settings.top_p)  # (B, V)
        # One uniform number per sample index, shared by every temperature.
        uniform = torch.rand(per_temperature, generator=generator).to(device)[sample_index]  # (B,)
        drawn, chosen, would_be_unk, total = draw(probabilities, uniform, greedy_rows if any_greedy else None)
        unk_counts += would_be_unk & ~ended
        drawn = torch.where(ended, torch.full_like(drawn, EOS_ID), drawn)
        ended = ended | (drawn == EOS_ID)
        drawn_list, ended_list = drawn.tolist(), ended.tolist()
        yield Step(
            index=index,
            token_ids=drawn_list,
            pieces=[_piece(tokenizer, token_id) for token_id in drawn_list] if details else [],
            probabilities=chosen.tolist(),
            alternatives=_alternatives(tokenizer, probabilities / total) if details else [[] for _ in drawn_list],
            ended=ended_list,
            unk_masked=unk_counts.tolist(),
            uniforms=uniform.tolist(),
        )
        if all(ended_list):
            return
        logits, state = model.step(drawn, state, readings)  # (B, V)
        last = logits.float()


def _alternatives(tokenizer: Tokenizer, probabilities: torch.Tensor) -> list[list[tuple[str, float]]]:
    """Per row, the most likely tokens and their probabilities. ``probabilities``: (B, V)."""
    top = probabilities.topk(min(TOP_ALTERNATIVES, probabilities.size(-1)), dim=-1)
    return [
        [(tokenizer.token(token_id), probability) for token_id, probability in zip(ids, values)]
        for ids, values in zip(top.indices.tolist(), top.values.tolist())
    ]


def _piece(tokenizer: Tokenizer, token_id: int) -> str:
    if token_id == EOS_ID:
        return ""
    return tokenizer.decode([token_id])


class Collector:
    """Gathers the ``Step``s of a ``stream`` into ``Samples``, so a caller can
    take the samples drawn so far at any point."""

    def __init__(self, tokenizer: Tokenizer, prompt: Prompt, settings: SamplingSettings):
        self.tokenizer, self.prompt, self.settings = tokenizer, prompt, settings
        self.drawn: list[list[int]] = [[] for _ in range(settings.rows)]
        self.ended, self.unk_masked = [False] * settings.rows, [0] * settings.rows

    def add(self, step: Step) -> None:
        for row, token_id in enumerate(step.token_ids):
            if not self.ended[row] and token_id != EOS_ID:
                self.drawn[row].append(token_id)
        self.ended, self.unk_masked = step.ended, step.unk_masked

    def samples(self, truncated: bool = False) -> Samples:
        prompt_ids = [] if self.prompt.fresh_start else self.prompt.ids
        per_temperature = self.settings.samples_per_temperature
        samples = [
            Sample(self.settings.temperatures[row // per_temperature], self.tokenizer.decode(prompt_ids + drawn),
                   self.tokenizer.decode(drawn), drawn[:], self.ended[row], self.unk_masked[row])
            for row, drawn in enumerate(self.drawn)
        ]
        return Samples(self.prompt, samples, truncated)


def generate(
    model: LSTMLanguageModel,
    tokenizer: Tokenizer,
    prompt: str | Prompt,
    settings: SamplingSettings | None = None,
    *,
    max_seconds: float | None = None,
    **options,
) -> Samples:
    """One sample per temperature (times ``samples_per_temperature``), all
    drawn by ``stream``; see it for the arguments and the shared random
    numbers. With ``max_seconds``, drawing stops at that time and the result
    is marked ``truncated``."""
    settings = SamplingSettings.of(settings, **options)
    encoded = as_prompt(tokenizer, prompt)
    collector = Collector(tokenizer, encoded, settings)
    started = time.perf_counter()
    for step in stream(model, tokenizer, encoded, settings, details=False):
        collector.add(step)
        if max_seconds is not None and time.perf_counter() - started >= max_seconds:
            return collector.samples(truncated=True)
    return collector.samples()
