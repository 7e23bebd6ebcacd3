"""Stepwise, batched sampling and scoring.

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

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import torch

from lm.model import LSTMLanguageModel
from lm.tokenizer import EOS_ID, UNK_ID, Tokenizer

MAX_TEMPERATURE = 5.0
MAX_TEMPERATURES = 8
MAX_SAMPLES_PER_TEMPERATURE = 8
MAX_NEW_TOKENS = 2000
MAX_PROMPT_CHARACTERS = 20_000
MAX_PROMPT_TOKENS = 5_000
TOP_ALTERNATIVES = 5


@dataclass
class Prompt:
    """A prompt as the model sees it, plus what could not be represented."""

    ids: list[int]
    unknown: list[str]  # words that became <unk>, or characters dropped
    fresh_start: bool  # empty prompt: the model starts from <eos>


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


@dataclass
class Score:
    """Per-token log-probabilities (nats) of a text and its perplexity."""

    pieces: list[str]
    log_probabilities: list[float]
    unknown: list[str]

    @property
    def surprisals(self) -> list[float]:
        """Bits of surprise per token."""
        return [-value / math.log(2) for value in self.log_probabilities]

    @property
    def perplexity(self) -> float:
        if not self.log_probabilities:
            return float("nan")
        return math.exp(-sum(self.log_probabilities) / len(self.log_probabilities))


def encode_prompt(tokenizer: Tokenizer, prompt: str) -> Prompt:
    """Word level: unknown words become ``<unk>`` and are reported. Character
    level: unknown characters are reported and dropped. An empty prompt
    starts from ``<eos>``, the model's picture of a fresh start."""
    if not isinstance(prompt, str):
        raise ValueError(f"prompt must be text, got {type(prompt).__name__}")
    if len(prompt) > MAX_PROMPT_CHARACTERS:
        raise ValueError(f"prompt is {len(prompt):,} characters long; the limit is {MAX_PROMPT_CHARACTERS:,}")
    unknown = tokenizer.unknown_pieces(prompt)
    ids = tokenizer.encode(prompt)
    if tokenizer.level == "char":
        ids = [token_id for token_id in ids if token_id != UNK_ID]
    if len(ids) > MAX_PROMPT_TOKENS:
        raise ValueError(f"prompt is {len(ids):,} tokens long; the limit is {MAX_PROMPT_TOKENS:,}")
    if not ids:
        return Prompt([EOS_ID], unknown, True)
    return Prompt(ids, unknown, False)


def _as_prompt(tokenizer: Tokenizer, prompt: "str | Prompt") -> Prompt:
    return prompt if isinstance(prompt, Prompt) else encode_prompt(tokenizer, prompt)


def check_settings(
    temperatures: list[float],
    max_new_tokens: int,
    top_k: int | None,
    top_p: float | None,
    samples_per_temperature: int,
    seed: int = 0,
) -> None:
    """Refuse out-of-range settings with a message naming value and range."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if not isinstance(temperatures, (list, tuple)) or not 1 <= len(temperatures) <= MAX_TEMPERATURES:
        count = len(temperatures) if isinstance(temperatures, (list, tuple)) else temperatures
        raise ValueError(f"give between 1 and {MAX_TEMPERATURES} temperatures, got {count}")
    for temperature in temperatures:
        if not isinstance(temperature, (int, float)) or not 0.0 <= temperature <= MAX_TEMPERATURE:
            raise ValueError(f"temperature must be in [0, {MAX_TEMPERATURE:g}], got {temperature}")
    if isinstance(max_new_tokens, bool) or not isinstance(max_new_tokens, int) or not 1 <= max_new_tokens <= MAX_NEW_TOKENS:
        raise ValueError(f"max_new_tokens must be an integer in [1, {MAX_NEW_TOKENS}], got {max_new_tokens}")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise ValueError(f"top_k must be a positive integer or None, got {top_k}")
    if top_p is not None and (not isinstance(top_p, (int, float)) or not 0.0 < top_p <= 1.0):
        raise ValueError(f"top_p must be in (0, 1] or None, got {top_p}")
    if not isinstance(samples_per_temperature, int) or not 1 <= samples_per_temperature <= MAX_SAMPLES_PER_TEMPERATURE:
        raise ValueError(
            f"samples_per_temperature must be in [1, {MAX_SAMPLES_PER_TEMPERATURE}], got {samples_per_temperature}"
        )


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


@torch.inference_mode()
def stream(
    model: LSTMLanguageModel,
    tokenizer: Tokenizer,
    prompt: str | Prompt,
    temperatures: list[float] = (0.5, 0.8, 1.0),
    max_new_tokens: int = 100,
    seed: int = 0,
    top_k: int | None = None,
    top_p: float | None = None,
    samples_per_temperature: int = 1,
    details: bool = True,
) -> Iterator[Step]:
    """Yield one ``Step`` per new token for all rows at once; rows are
    ``temperatures`` in order, each repeated ``samples_per_temperature``
    times. Stops when every row has drawn ``<eos>`` or after
    ``max_new_tokens``. ``details=False`` skips the decoded pieces and the
    top-5 alternatives (what ``generate`` needs is only the ids). ``prompt``
    may be text or a ``Prompt`` already made by ``encode_prompt``."""
    temperatures = list(temperatures)
    check_settings(temperatures, max_new_tokens, top_k, top_p, samples_per_temperature, seed)
    encoded = _as_prompt(tokenizer, prompt)
    model.eval()
    device = next(model.parameters()).device
    rows = len(temperatures) * samples_per_temperature
    row_temperatures = torch.tensor(
        [t for t in temperatures for _ in range(samples_per_temperature)], device=device
    ).unsqueeze(1)  # (B, 1)
    greedy = row_temperatures == 0  # (B, 1)
    safe_temperatures = torch.where(greedy, torch.ones_like(row_temperatures), row_temperatures)
    sample_index = torch.arange(rows, device=device) % samples_per_temperature  # (B,)
    generator = torch.Generator(device="cpu").manual_seed(seed)

    prompt_ids = torch.tensor([encoded.ids], device=device)  # (1, P)
    logits, (hidden, cell) = model(prompt_ids)  # (1, P, V)
    state = (hidden.expand(-1, rows, -1).contiguous(), cell.expand(-1, rows, -1).contiguous())  # (L, B, H)
    last = logits[:, -1].float().expand(rows, -1)  # (B, V)
    ended = torch.zeros(rows, dtype=torch.bool, device=device)
    unk_counts = torch.zeros(rows, dtype=torch.long, device=device)
    greedy_rows = greedy.squeeze(1)  # (B,)
    any_greedy = bool(greedy_rows.any())
    for index in range(max_new_tokens):
        probabilities = _restrict(last / safe_temperatures, top_k, top_p).softmax(-1)  # (B, V), <unk> included
        unk_probability = probabilities[:, UNK_ID].clone()  # (B,)
        probabilities[:, UNK_ID] = 0.0
        cumulative = probabilities.cumsum(-1)  # (B, V), ends at 1 - p(<unk>)
        total = cumulative[:, -1:]  # (B, 1)
        # One uniform number per sample index, shared by every temperature.
        uniform = torch.rand(samples_per_temperature, generator=generator).to(device)[sample_index]  # (B,)
        # In id order <unk> (id 0) owns [0, p(<unk>)): a draw there is one the
        # seeds would have redrawn. Spreading u over the rest draws from the
        # distribution without <unk>, exactly what redrawing converges to.
        would_be_unk = uniform < unk_probability
        target = (uniform.unsqueeze(1) * total * (1 - 1e-6)).contiguous()  # (B, 1)
        drawn = torch.searchsorted(cumulative, target, right=True).squeeze(1).clamp_(max=last.size(-1) - 1)  # (B,)
        if any_greedy:
            best = probabilities.argmax(-1)  # (B,)
            drawn = torch.where(greedy_rows, best, drawn)
            best_probability = probabilities.gather(1, best.unsqueeze(1)).squeeze(1)
            would_be_unk = torch.where(greedy_rows, unk_probability > best_probability, would_be_unk)
        unk_counts += would_be_unk & ~ended
        chosen = probabilities.gather(1, drawn.unsqueeze(1)).squeeze(1) / total.squeeze(1)  # (B,)
        drawn = torch.where(ended, torch.full_like(drawn, EOS_ID), drawn)
        ended = ended | (drawn == EOS_ID)
        drawn_list, ended_list = drawn.tolist(), ended.tolist()
        alternatives: list[list[tuple[str, float]]] = [[] for _ in drawn_list]
        if details:
            top = (probabilities / total).topk(min(TOP_ALTERNATIVES, probabilities.size(-1)), dim=-1)
            alternatives = [
                [(tokenizer.token(token_id), probability) for token_id, probability in zip(ids, values)]
                for ids, values in zip(top.indices.tolist(), top.values.tolist())
            ]
        yield Step(
            index=index,
            token_ids=drawn_list,
            pieces=[_piece(tokenizer, token_id) for token_id in drawn_list] if details else [],
            probabilities=chosen.tolist(),
            alternatives=alternatives,
            ended=ended_list,
            unk_masked=unk_counts.tolist(),
        )
        if all(ended_list):
            return
        logits, state = model.step(drawn, state)  # (B, V)
        last = logits.float()


def _piece(tokenizer: Tokenizer, token_id: int) -> str:
    if token_id == EOS_ID:
        return ""
    return tokenizer.decode([token_id])


def generate(
    model: LSTMLanguageModel,
    tokenizer: Tokenizer,
    prompt: str | Prompt,
    temperatures: list[float] = (0.5, 0.8, 1.0),
    max_new_tokens: int = 100,
    seed: int = 0,
    top_k: int | None = None,
    top_p: float | None = None,
    samples_per_temperature: int = 1,
    max_seconds: float | None = None,
) -> Samples:
    """One sample per temperature (times ``samples_per_temperature``); see
    ``stream`` for the arguments and the shared random numbers. With
    ``max_seconds``, drawing stops at that time and the result is marked
    ``truncated``."""
    *_, samples = generate_progressively(model, tokenizer, prompt, temperatures, max_new_tokens, seed, top_k, top_p,
                                         samples_per_temperature, max_seconds, interval=None)
    return samples


def generate_progressively(
    model: LSTMLanguageModel,
    tokenizer: Tokenizer,
    prompt: str | Prompt,
    temperatures: list[float] = (0.5, 0.8, 1.0),
    max_new_tokens: int = 100,
    seed: int = 0,
    top_k: int | None = None,
    top_p: float | None = None,
    samples_per_temperature: int = 1,
    max_seconds: float | None = None,
    interval: float | None = 0.25,
) -> Iterator[Samples]:
    """``generate``, yielding the samples drawn so far every ``interval``
    seconds and the finished ones last, so a caller can give up in between."""
    started = time.perf_counter()
    temperatures = list(temperatures)
    encoded = _as_prompt(tokenizer, prompt)
    steps = stream(model, tokenizer, encoded, temperatures, max_new_tokens, seed, top_k, top_p, samples_per_temperature,
                   details=False)
    rows = len(temperatures) * samples_per_temperature
    drawn: list[list[int]] = [[] for _ in range(rows)]
    ended, unk_masked = [False] * rows, [0] * rows
    prompt_ids = [] if encoded.fresh_start else encoded.ids

    def collect(truncated: bool) -> Samples:
        samples = []
        for row in range(rows):
            continuation = tokenizer.decode(drawn[row])
            text = tokenizer.decode(prompt_ids + drawn[row])
            temperature = temperatures[row // samples_per_temperature]
            samples.append(Sample(temperature, text, continuation, drawn[row][:], ended[row], unk_masked[row]))
        return Samples(encoded, samples, truncated)

    last_shown, truncated = started, False
    for step in steps:
        for row, token_id in enumerate(step.token_ids):
            if not ended[row] and token_id != EOS_ID:
                drawn[row].append(token_id)
        ended, unk_masked = step.ended, step.unk_masked
        now = time.perf_counter()
        if max_seconds is not None and now - started >= max_seconds:
            truncated = True
            break
        if interval is not None and now - last_shown >= interval:
            last_shown = now
            yield collect(False)
    yield collect(truncated)


@torch.inference_mode()
def score(model: LSTMLanguageModel, tokenizer: Tokenizer, text: str) -> Score:
    """Log-probability of each token of ``text`` given the ones before it,
    the first one given a fresh start (``<eos>``)."""
    encoded = encode_prompt(tokenizer, text)
    if encoded.fresh_start:
        return Score([], [], encoded.unknown)
    model.eval()
    device = next(model.parameters()).device
    ids = torch.tensor([[EOS_ID, *encoded.ids]], device=device)  # (1, 1 + T)
    logits, _ = model(ids[:, :-1])  # (1, T, V)
    log_probabilities = logits.float().log_softmax(-1).gather(2, ids[:, 1:].unsqueeze(-1)).squeeze(-1)  # (1, T)
    pieces = [tokenizer.token(token_id) for token_id in encoded.ids]
    return Score(pieces, log_probabilities[0].tolist(), encoded.unknown)


@torch.inference_mode()
def next_token_distribution(
    model: LSTMLanguageModel,
    tokenizer: Tokenizer,
    prompt: str,
    temperatures: list[float],
    top: int = 10,
) -> tuple[list[str], dict[float, list[float]]]:
    """The ``top`` most likely next tokens after ``prompt`` (at temperature 1,
    ``<unk>`` excluded) and their probability at each temperature; at 0 all
    the mass is on the argmax."""
    check_settings(list(temperatures), 1, None, None, 1)
    encoded = encode_prompt(tokenizer, prompt)
    model.eval()
    device = next(model.parameters()).device
    logits, _ = model(torch.tensor([encoded.ids], device=device))  # (1, P, V)
    last = logits[0, -1].float()  # (V,)
    last[UNK_ID] = -math.inf
    chosen = last.topk(min(top, last.numel() - 1)).indices  # (K,)
    table = {}
    for temperature in temperatures:
        if temperature == 0:
            probabilities = torch.zeros_like(last)
            probabilities[last.argmax()] = 1.0
        else:
            probabilities = (last / temperature).softmax(-1)
        table[temperature] = probabilities[chosen].tolist()
    return [tokenizer.token(token_id) for token_id in chosen.tolist()], table
