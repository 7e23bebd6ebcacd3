"""A sample as the one-step view walks it (``Trace``): the tokens the model
read and wrote, how each drawn token was drawn (its temperature and the
step's uniform number), and the fp32 LSTM state after any number of tokens,
computed by ``open_step``: one step of the LSTM with every gate in the open,
the formulas of ``nn.LSTM`` written out with the model's own weights.
Traces come from ``lm.sampling.stream`` (``trace_sample``: the same tokens as
that column of ``generate``) or from a text grown by hand (``sampler_trace``).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import torch

from lm.lesson.stepping import StepSampler
from lm.model import LSTMLanguageModel, LSTMState
from lm.prompt import Prompt, as_prompt
from lm.sampling import SamplingSettings, stream
from lm.tokenizer import Tokenizer

MAX_EXPLAINED_PROMPT_TOKENS = 1000  # the prompt is read again, one open step per token
CHECKPOINT_EVERY = 16  # a state kept every this many tokens: a step reads at most this many again


@dataclass(frozen=True)
class Drawn:
    """How the sampler drew one token."""

    temperature: float
    uniform: float  # the step's uniform number in [0, 1), shared by every column of the step


@dataclass
class Trace:
    """A sample as the one-step view walks it: every token the model read or
    wrote, in order, and how each drawn one was drawn."""

    token_ids: list[int]  # the prompt's ids, then the tokens written after it (a final <eos> included)
    prompt_length: int  # how many of them the prompt holds
    draws: list[Drawn | None]  # per position; None for a token read (the prompt, a picked or typed token)
    temperature: float  # the sample's temperature (for a token read: the one its scores are shown at)
    top_k: int | None = None
    top_p: float | None = None
    int8: bool = False  # drawn with int8 weights (the explanation's numbers are fp32's)
    fresh_start: bool = False  # an empty prompt: position 0 is the <eos> the model starts from
    _kept: dict[int, LSTMState] = field(default_factory=dict, repr=False, compare=False)  # every CHECKPOINT_EVERY
    _recent: dict[int, LSTMState] = field(default_factory=dict, repr=False, compare=False)  # near the last step
    _model: weakref.ref | None = field(default=None, repr=False, compare=False)  # whose states these are

    def __len__(self) -> int:
        return len(self.token_ids)

    @torch.inference_mode()
    def state_after(self, model: LSTMLanguageModel, count: int) -> LSTMState:
        """The fp32 state after reading the first ``count`` tokens, (h, c)
        each (L, H); kept every ``CHECKPOINT_EVERY`` tokens and near the last
        step asked for, so stepping either way reads few tokens again."""
        if self._model is None or self._model() is not model:
            zeros = torch.zeros(model.num_layers, model.hidden_size, device=next(model.parameters()).device)
            self._model, self._kept, self._recent = weakref.ref(model), {0: (zeros, zeros)}, {}
        known = {**self._kept, **self._recent}
        done = max(at for at in known if at <= count)
        state = known[done]
        while done < count:
            state = open_step(model, self.token_ids[done], state)[-1]
            done += 1
            self.remember(done, state)
        return state

    def remember(self, count: int, state: LSTMState) -> None:
        """Keep the state after ``count`` tokens (and forget those far from it)."""
        if count % CHECKPOINT_EVERY == 0:
            self._kept[count] = state
        self._recent = {at: kept for at, kept in self._recent.items() if abs(at - count) <= CHECKPOINT_EVERY}
        self._recent[count] = state


def check_prompt_length(prompt: Prompt) -> None:
    if len(prompt.ids) > MAX_EXPLAINED_PROMPT_TOKENS:
        raise ValueError(f"prompt is {len(prompt.ids):,} tokens long; explaining a step reads at most "
                         f"{MAX_EXPLAINED_PROMPT_TOKENS:,}")


def trace_sample(engine: LSTMLanguageModel, tokenizer: Tokenizer, prompt: str | Prompt, settings: SamplingSettings,
                 row: int = 0, steps: int | None = None) -> Trace:
    """What row ``row`` of ``lm.sampling.stream(engine, ...)`` writes (its
    first ``steps`` tokens at most, ending at a drawn ``<eos>``), with each
    step's uniform number: the same tokens as that column of ``generate``."""
    encoded = as_prompt(tokenizer, prompt)
    check_prompt_length(encoded)
    if isinstance(row, bool) or not isinstance(row, int) or not 0 <= row < settings.rows:
        raise ValueError(f"row must be an integer in [0, {settings.rows - 1}], got {row!r}")
    if steps is not None:
        settings = SamplingSettings.of(settings, max_new_tokens=max(1, min(steps, settings.max_new_tokens)))
    temperature = settings.temperatures[row // settings.samples_per_temperature]
    ids, draws = list(encoded.ids), [None] * len(encoded.ids)
    for step in stream(engine, tokenizer, encoded, settings, details=False):
        ids.append(step.token_ids[row])
        draws.append(Drawn(temperature, step.uniforms[row]))
        if step.ended[row]:
            break
    return Trace(ids, len(encoded.ids), draws, temperature, settings.top_k, settings.top_p,
                 int8=not engine.computes_gates(), fresh_start=encoded.fresh_start)


def sampler_trace(sampler: StepSampler, temperature: float) -> Trace:
    """The text of a "you are the sampler" session: its prompt, then each
    token picked, typed or drawn (the model's draws with their numbers);
    ``temperature`` shows the scores of the tokens chosen by hand."""
    prompt = sampler.prompt
    check_prompt_length(prompt)
    draws = [None] * len(prompt.ids) + [Drawn(*drawn) if drawn else None for drawn in sampler.draws]
    return Trace(prompt.ids + sampler.appended, len(prompt.ids), draws, temperature,
                 int8=not sampler.model.computes_gates(), fresh_start=prompt.fresh_start)


def open_step(model: LSTMLanguageModel, token_id: int, state: LSTMState) -> list:
    """One step on ``token_id`` from ``state`` ((L, H) each), layer by layer
    in ``nn.LSTM``'s gate order (i, f, g, o): per layer the tensors (H,) of
    ``LayerStep``'s first eight fields, and last the new state ((L, H) each)."""
    hidden, cell = state
    layer_input = model.embedding.weight[token_id]  # (E,)
    layers = []
    for layer in range(model.num_layers):
        weight_ih = getattr(model.lstm, f"weight_ih_l{layer}")  # (4H, in)
        weight_hh = getattr(model.lstm, f"weight_hh_l{layer}")  # (4H, H)
        bias = getattr(model.lstm, f"bias_ih_l{layer}") + getattr(model.lstm, f"bias_hh_l{layer}")  # (4H,)
        before_activation = weight_ih @ layer_input + weight_hh @ hidden[layer] + bias  # (4H,)
        input_part, forget_part, candidate_part, output_part = before_activation.chunk(4)  # (H,) each
        input_gate, forget_gate = torch.sigmoid(input_part), torch.sigmoid(forget_part)
        candidate, output_gate = torch.tanh(candidate_part), torch.sigmoid(output_part)
        new_cell = forget_gate * cell[layer] + input_gate * candidate  # (H,)
        new_hidden = output_gate * torch.tanh(new_cell)  # (H,)
        layers.append((hidden[layer], cell[layer], input_gate, forget_gate, candidate, output_gate, new_cell,
                       new_hidden))
        layer_input = new_hidden
    return layers + [(torch.stack([layer[7] for layer in layers]), torch.stack([layer[6] for layer in layers]))]
