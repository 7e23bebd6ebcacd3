"""One step of the LSTM in the open: how the text so far becomes the next
token. For a chosen position of a sample it gives the token just read and
its embedding row; for each layer the previous hidden and cell state, the
four gates, the new cell state and hidden output, and the units whose cell
state changed most; the scores (logits) of the next token, divided by the
temperature, and their softmax; and the draw: the step's uniform number
falling in the cumulative bar the sampler walks (token-id order, ``<unk>``
left out, top-k / top-p applied).

A sample is a ``lm.lesson.traces.Trace``. The numbers are always the fp32
model's, computed from its own weights with plain tensor operations
(``lm.lesson.traces.open_step``); the draw is
``lm.sampling``'s own (``next_token_probabilities`` and ``draw``) with the
step's number, so it picks what the sampler picked. A sample drawn with int8
weights is explained along the tokens it wrote, and where the fp32 draw
picks another token the explanation says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from lm.lesson.traces import Trace, open_step, trace_sample
from lm.model import LSTMLanguageModel
from lm.prompt import Prompt
from lm.sampling import SamplingSettings, draw, next_token_probabilities
from lm.tokenizer import UNK_ID, Tokenizer

MAX_EXPLAINED_NEW_TOKENS = 500
MOST_CHANGED = 16  # units picked out per layer
TOP_TOKENS = 10
DIGITS = 6  # decimals kept in ``StepExplanation.to_dict``


@dataclass
class LayerStep:
    """One LSTM layer at this step; each list runs over the layer's units (H)."""

    hidden_before: list[float]  # h_prev, the layer's output at the step before
    cell_before: list[float]  # c_prev
    input_gate: list[float]  # i = σ(W_ii·x + W_hi·h_prev + b_i), 0 to 1: how much of g is written
    forget_gate: list[float]  # f = σ(W_if·x + W_hf·h_prev + b_f), 0 to 1: how much of c_prev is kept
    candidate: list[float]  # g = tanh(W_ig·x + W_hg·h_prev + b_g), -1 to 1: what could be written
    output_gate: list[float]  # o = σ(W_io·x + W_ho·h_prev + b_o), 0 to 1: how much of tanh(c) is shown
    cell: list[float]  # c = f·c_prev + i·g
    hidden: list[float]  # h = o·tanh(c), the next layer's input (the top layer's: the scores')
    most_changed: list[int]  # the units whose cell state changed most (|c - c_prev|), most first


@dataclass
class TopToken:
    token_id: int
    text: str
    logit: float  # the score; divided by the temperature before the softmax
    probability: float  # at the temperature, <unk> left out, top-k / top-p applied


@dataclass
class BarPiece:
    """A token's share of the cumulative bar the draw walks (from 0 to 1)."""

    token_id: int
    text: str
    start: float  # the probability of every token with a smaller id
    width: float  # its own probability


@dataclass
class StepExplanation:
    """How the token at ``position`` came to be written."""

    position: int  # in the sample's tokens, the prompt's first at 0
    length: int  # tokens in the sample
    prompt_length: int
    input_id: int  # the token just read (at position - 1)
    input_text: str
    written_id: int  # the token at ``position``
    written_text: str
    origin: str  # "drawn", "prompt" (read from the prompt) or "chosen" (a candidate picked or a token typed)
    embedding: list[float]  # the input token's embedding row (E)
    layers: list[LayerStep]  # from the bottom layer up
    logits: list[float]  # the scores of every token (V), <unk>'s included (never drawn)
    temperature: float
    top_k: int | None
    top_p: float | None
    probabilities: list[float]  # (V) what the draw walks: softmax(logits / T), <unk> left out, top-k / top-p
    top: list[TopToken]  # the highest scores, highest first
    uniform: float | None  # the step's uniform number (None for a token read)
    picked_id: int | None  # the token that number picks from these fp32 numbers
    picked_text: str | None
    bar: list[BarPiece]  # the top tokens and the picked one, in id order
    note: str  # where the fp32 draw and the written token differ, why

    def to_dict(self) -> dict:
        """JSON-ready, the numbers rounded to ``DIGITS`` decimals."""
        return _rounded(asdict(self))


def _rounded(value):
    if isinstance(value, float):
        return round(value, DIGITS)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_rounded(item) for item in value]
    return value


def _layer_step(values: tuple[torch.Tensor, ...]) -> LayerStep:
    changed = (values[6] - values[1]).abs().argsort(descending=True)[:MOST_CHANGED]  # |c - c_prev|, most first
    return LayerStep(*(value.tolist() for value in values), most_changed=changed.tolist())


def _scores(model: LSTMLanguageModel, top_hidden: torch.Tensor) -> torch.Tensor:
    """The model's own decoder on the top layer's output: (H,) -> logits (V,)."""
    output = top_hidden if model.projection is None else model.projection(top_hidden)  # (E,)
    return model.decoder(output)  # (V,)


def check_position(trace: Trace, position: int) -> None:
    if isinstance(position, bool) or not isinstance(position, int) or not 1 <= position < len(trace):
        raise ValueError(f"position must be an integer in [1, {len(trace) - 1}] for this sample (its "
                         f"{trace.prompt_length} prompt tokens and {len(trace) - trace.prompt_length} written; "
                         f"position 0 has nothing before it), got {position!r}")


@torch.inference_mode()
def explain_step(model: LSTMLanguageModel, tokenizer: Tokenizer, trace: Trace, position: int) -> StepExplanation:
    """The step that wrote the token at ``position`` of ``trace``, with the
    fp32 ``model``'s own numbers (see the module docstring)."""
    check_position(trace, position)
    if not model.computes_gates():
        raise ValueError("explaining a step needs the fp32 model in eval mode (int8 weights hide the gates)")
    input_id, written_id = trace.token_ids[position - 1], trace.token_ids[position]
    *steps, state = open_step(model, input_id, trace.state_after(model, position - 1))
    trace.remember(position, state)
    logits = _scores(model, state[0][-1]).float()  # (V,)
    drawn = trace.draws[position]
    temperature = drawn.temperature if drawn else trace.temperature
    raw = next_token_probabilities(logits.unsqueeze(0), torch.tensor([[float(temperature)]], device=logits.device),
                                   trace.top_k, trace.top_p)  # (1, V)
    picked_id = None
    if drawn:
        picked, *_ = draw(raw.clone(), torch.tensor([drawn.uniform], device=logits.device),
                          torch.tensor([temperature == 0], device=logits.device))
        picked_id = int(picked[0])
    probabilities = raw[0].clone()
    probabilities[UNK_ID] = 0.0
    probabilities /= probabilities.sum()  # (V,)
    without_unk = logits.clone()
    without_unk[UNK_ID] = -torch.inf
    top_ids = without_unk.topk(min(TOP_TOKENS, logits.numel() - 1)).indices.tolist()
    return StepExplanation(
        position, len(trace), trace.prompt_length, input_id, tokenizer.token(input_id), written_id,
        tokenizer.token(written_id), "drawn" if drawn else "prompt" if position < trace.prompt_length else "chosen",
        model.embedding.weight[input_id].tolist(), [_layer_step(values) for values in steps], logits.tolist(), float(temperature), trace.top_k,
        trace.top_p, probabilities.tolist(),
        [TopToken(token, tokenizer.token(token), float(logits[token]), float(probabilities[token])) for token in top_ids],
        drawn.uniform if drawn else None, picked_id, None if picked_id is None else tokenizer.token(picked_id),
        _bar(tokenizer, probabilities, sorted(set(top_ids) | ({picked_id} if drawn else set()))),
        _note(trace, tokenizer, written_id, picked_id))


def _bar(tokenizer: Tokenizer, probabilities: torch.Tensor, token_ids: list[int]) -> list[BarPiece]:
    starts = (probabilities.cumsum(0) - probabilities).tolist()  # (V,) the mass of the smaller ids
    return [BarPiece(token, tokenizer.token(token), starts[token], float(probabilities[token])) for token in token_ids]


def _note(trace: Trace, tokenizer: Tokenizer, written_id: int, picked_id: int | None) -> str:
    if picked_id is None or picked_id == written_id:
        return ""
    picked, written = tokenizer.token(picked_id), tokenizer.token(written_id)
    if trace.int8:
        return (f"fp32 weights would have drawn {picked!r} here; this sample, drawn with int8 weights, "
                f"wrote {written!r}: the number fell near a border that int8's rounding moved")
    return f"these numbers pick {picked!r}; the sample wrote {written!r} (the number fell on a border)"


def sample_to_explain(engine: LSTMLanguageModel, tokenizer: Tokenizer, prompt: str | Prompt,
                      settings: SamplingSettings) -> Trace:
    """One sample to walk through (``settings``: one temperature, at most
    ``MAX_EXPLAINED_NEW_TOKENS`` tokens), drawn by ``engine``."""
    if settings.rows != 1:
        raise ValueError(f"explain one column at a time: give one temperature, got {len(settings.temperatures)}")
    if settings.max_new_tokens > MAX_EXPLAINED_NEW_TOKENS:
        raise ValueError(f"max_new_tokens must be an integer in [1, {MAX_EXPLAINED_NEW_TOKENS}] to explain a step, "
                         f"got {settings.max_new_tokens}")
    return trace_sample(engine, tokenizer, prompt, settings)


def explain(model: LSTMLanguageModel, tokenizer: Tokenizer, prompt: str | Prompt, settings: SamplingSettings,
            position: int | None = None, engine: LSTMLanguageModel | None = None) -> StepExplanation:
    """Draw one sample with ``engine`` (the fp32 ``model`` unless given, e.g.
    its int8 copy) and explain the token at ``position`` (None: the first
    token written)."""
    trace = sample_to_explain(engine or model, tokenizer, prompt, settings)
    return explain_step(model, tokenizer, trace, trace.prompt_length if position is None else position)
