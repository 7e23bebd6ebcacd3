"""How likely a text is under a model: per-token log-probabilities and
perplexity, and the distribution over the next token after a prompt."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from lm.distribution import next_token_logits, top_probabilities
from lm.model import LSTMLanguageModel
from lm.prompt import encode_prompt
from lm.sampling import SamplingSettings
from lm.tokenizer import EOS_ID, Tokenizer


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
    settings: SamplingSettings,
    top: int = 10,
) -> tuple[list[str], dict[float, list[float]]]:
    """The ``top`` most likely next tokens after ``prompt`` (at temperature 1,
    ``<unk>`` excluded) and their probability at each of the settings'
    temperatures; at 0 all the mass is on the argmax."""
    return top_probabilities(next_token_logits(model, tokenizer, prompt), tokenizer, settings.temperatures, top)
