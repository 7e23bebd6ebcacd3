"""You are the sampler: a text grown one token at a time by a person (or one
draw of the model at a time), with the LSTM state carried forward, never
re-reading the text. Each step offers the top-k next tokens with their
probability at the chosen temperature and at T = 1, plus everything else as
one share; ``<unk>`` is never offered and ``<eos>`` ("end of text") ends the
text. Undo takes the last token back from the saved states."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import torch

from lm.model import LSTMLanguageModel, LSTMState
from lm.prompt import as_prompt
from lm.sampling import MAX_TEMPERATURE, draw
from lm.tokenizer import EOS_ID, UNK_ID, Tokenizer

MAX_CANDIDATES = 50
MAX_STEPPED_TOKENS = 1000
END_OF_TEXT = "end of text"


@dataclass(frozen=True)
class Candidate:
    token_id: int
    label: str  # the token as text, or "end of text" for <eos>
    probability: float  # at the chosen temperature
    probability_at_one: float  # at T = 1


@dataclass(frozen=True)
class Choices:
    """The next token's candidates, most likely first, and the rest."""

    temperature: float
    candidates: list[Candidate]
    rest: float  # every other token together, at the chosen temperature
    rest_at_one: float


def check_step_settings(temperature: float, k: int) -> None:
    """Refuse a temperature or candidate count out of range, naming it."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or \
            not 0.0 <= temperature <= MAX_TEMPERATURE:
        raise ValueError(f"temperature must be in [0, {MAX_TEMPERATURE:g}], got {temperature}")
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= MAX_CANDIDATES:
        raise ValueError(f"k must be an integer in [1, {MAX_CANDIDATES}], got {k}")


def probabilities_at(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """``(V,)`` next-token probabilities at ``temperature`` without
    ``<unk>``; at 0 all the mass is on the most likely token."""
    logits = logits.float().clone()
    logits[UNK_ID] = -math.inf
    if temperature == 0:
        greedy = torch.zeros_like(logits)
        greedy[logits.argmax()] = 1.0
        return greedy
    return (logits / temperature).softmax(-1)


class StepSampler:
    """A prompt and the tokens appended to it, with the state after each."""

    def __init__(self, model: LSTMLanguageModel, tokenizer: Tokenizer, prompt: str, seed: int = 0):
        self.model, self.tokenizer = model.eval(), tokenizer
        self.prompt = as_prompt(tokenizer, prompt)
        self.generator = torch.Generator().manual_seed(seed)
        self.appended: list[int] = []
        self.draws: list[tuple[float, float] | None] = []  # per appended token: (temperature, uniform) if drawn
        self._states: list[LSTMState] = []  # the state after each appended token
        self._prompt_logits, self._prompt_state = self._read_prompt()
        self.logits = self._prompt_logits  # (V,) next-token logits

    @torch.inference_mode()
    def _read_prompt(self) -> tuple[torch.Tensor, LSTMState]:
        logits, state = self.model(torch.tensor([self.prompt.ids]))  # (1, P, V)
        return logits[0, -1], state

    @property
    def ended(self) -> bool:
        return bool(self.appended) and self.appended[-1] == EOS_ID

    @functools.cached_property
    def prompt_text(self) -> str:
        """The prompt, decoded ("" for a fresh start)."""
        return self.tokenizer.decode([] if self.prompt.fresh_start else self.prompt.ids)

    @property
    def text(self) -> str:
        """Prompt and appended tokens, decoded (``<eos>`` as a line break)."""
        prompt_ids = [] if self.prompt.fresh_start else self.prompt.ids
        return self.tokenizer.decode(prompt_ids + [token for token in self.appended if token != EOS_ID])

    def label(self, token_id: int) -> str:
        return END_OF_TEXT if token_id == EOS_ID else self.tokenizer.token(token_id)

    def choices(self, temperature: float, k: int = 10) -> Choices:
        """The ``k`` most likely next tokens (``<unk>`` never among them)."""
        check_step_settings(temperature, k)
        at_one = probabilities_at(self.logits, 1.0)  # (V,)
        at_temperature = probabilities_at(self.logits, temperature)  # (V,)
        top = at_one.topk(min(k, len(self.tokenizer) - 1)).indices  # (k,)
        candidates = [Candidate(token, self.label(token), probability, probability_at_one)
                      for token, probability, probability_at_one
                      in zip(top.tolist(), at_temperature[top].tolist(), at_one[top].tolist())]
        return Choices(temperature, candidates, max(0.0, 1.0 - sum(c.probability for c in candidates)),
                       max(0.0, 1.0 - sum(c.probability_at_one for c in candidates)))

    @torch.inference_mode()
    def append(self, token_id: int) -> None:
        """Append one token and read it (one step of the LSTM)."""
        if isinstance(token_id, bool) or not isinstance(token_id, int) or not 0 <= token_id < len(self.tokenizer):
            raise ValueError(f"token id must be an integer in [0, {len(self.tokenizer) - 1}], got {token_id!r}")
        if token_id == UNK_ID:
            raise ValueError("<unk> cannot be appended: it stands for a token the model does not know")
        if self.ended:
            raise ValueError("the text has ended (end of text was chosen); undo it or start again")
        if len(self.appended) >= MAX_STEPPED_TOKENS:
            raise ValueError(f"a stepped text holds at most {MAX_STEPPED_TOKENS} tokens; start again")
        state = self._states[-1] if self._states else self._prompt_state
        logits, state = self.model.step(torch.tensor([token_id]), state)  # (1, V)
        self.appended.append(token_id)
        self.draws.append(None)
        self._states.append(state)
        self.logits = logits[0]

    def draw(self, temperature: float) -> int:
        """Let the model draw one token at ``temperature`` and append it."""
        check_step_settings(temperature, 1)
        if self.ended:
            raise ValueError("the text has ended (end of text was chosen); undo it or start again")
        probabilities = probabilities_at(self.logits, temperature).unsqueeze(0)  # (1, V)
        uniform = torch.rand(1, generator=self.generator)  # (1,)
        greedy = torch.tensor([temperature == 0])
        token_id = int(draw(probabilities, uniform, greedy)[0][0])
        self.append(token_id)
        self.draws[-1] = (float(temperature), float(uniform[0]))
        return token_id

    def append_text(self, text: str) -> list[int]:
        """Append the tokens of ``text`` the user typed; refused when the
        vocabulary lacks one of them."""
        unknown = self.tokenizer.unknown_pieces(text)
        if unknown:
            raise ValueError(f"not in the model's vocabulary: {unknown[:10]}; type tokens it knows")
        ids = self.tokenizer.encode(text)
        if not ids:
            raise ValueError("type at least one token")
        for token_id in ids:
            self.append(token_id)
        return ids

    @torch.inference_mode()
    def undo(self) -> None:
        """Take the last appended token back (the prompt stays)."""
        if not self.appended:
            raise ValueError("nothing to undo: only the prompt is left")
        self.appended.pop()
        self.draws.pop()
        self._states.pop()
        if not self.appended:
            self.logits = self._prompt_logits
            return
        before = self._states[-2] if len(self._states) > 1 else self._prompt_state
        logits, _ = self.model.step(torch.tensor([self.appended[-1]]), before)  # (1, V)
        self.logits = logits[0]
