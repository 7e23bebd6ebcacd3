"""How likely text is under a model: a text's per-token log-probabilities
and perplexity (``score``), a whole split's loss, perplexity and next-token
accuracy (``evaluate``; ``python -m lm evaluate`` is its command line), and
the distribution over the next token after a prompt (``next_token_logits``,
``at_temperature``, ``top_probabilities``), ``<unk>`` excluded as the sampler
never draws it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from lm.data import batchify, windows
from lm.model import LSTMLanguageModel
from lm.prompt import Prompt, as_prompt, encode_prompt
from lm.sampling import SamplingSettings
from lm.tokenizer import EOS_ID, UNK_ID, Tokenizer

DEFAULT_EVAL_BATCH_SIZE = 10
DEFAULT_EVAL_BPTT = 128
TOP_K = 10  # the most likely tokens a chart shows


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
    top: int = TOP_K,
) -> tuple[list[str], dict[float, list[float]]]:
    """The ``top`` most likely next tokens after ``prompt`` (at temperature 1,
    ``<unk>`` excluded) and their probability at each of the settings'
    temperatures; at 0 all the mass is on the argmax."""
    return top_probabilities(next_token_logits(model, tokenizer, prompt), tokenizer, settings.temperatures, top)


@torch.inference_mode()
def evaluate(
    model: LSTMLanguageModel,
    ids: torch.Tensor | list[int],
    batch_size: int = DEFAULT_EVAL_BATCH_SIZE,
    bptt: int = DEFAULT_EVAL_BPTT,
    max_tokens: int | None = None,
) -> dict[str, float]:
    """Mean next-token loss (nats), perplexity, accuracy and bits per token
    over ``ids`` read as ``batch_size`` parallel rows with the state carried;
    also how many targets are ``<unk>`` and the perplexity over the others
    (``known_perplexity``), which shows how much unseen words weigh."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    ids = torch.as_tensor(ids, dtype=torch.long)
    if max_tokens is not None:
        ids = ids[: max_tokens + 1]
    rows = batchify(ids, batch_size).to(device)  # (B, N)
    total_loss, total_correct, total_tokens, known_loss, known_tokens = 0.0, 0, 0, 0.0, 0
    state = None
    for _, inputs, targets in windows(rows, bptt):
        logits, state = model(inputs, state)  # (B, T, V)
        flat_logits = logits.reshape(-1, logits.size(-1)).float()  # (B * T, V)
        flat_targets = targets.reshape(-1)  # (B * T,)
        losses = F.cross_entropy(flat_logits, flat_targets, reduction="none")  # (B * T,)
        known = flat_targets != UNK_ID  # (B * T,)
        total_loss += losses.sum().item()
        known_loss += losses[known].sum().item()
        known_tokens += int(known.sum().item())
        total_correct += (flat_logits.argmax(-1) == flat_targets).sum().item()
        total_tokens += flat_targets.numel()
    model.train(was_training)
    figures = summarize(total_loss, total_correct, total_tokens)
    figures["unknown_tokens"] = total_tokens - known_tokens
    figures["known_perplexity"] = math.exp(min(known_loss / max(known_tokens, 1), 700.0))
    return figures


def summarize(total_loss: float, total_correct: int, total_tokens: int) -> dict[str, float]:
    loss = total_loss / max(total_tokens, 1)
    return {
        "loss": loss,
        "perplexity": math.exp(min(loss, 700.0)),
        "accuracy": total_correct / max(total_tokens, 1),
        "bits_per_token": loss / math.log(2),
        "tokens": total_tokens,
    }


@torch.inference_mode()
def next_token_logits(model: LSTMLanguageModel, tokenizer: Tokenizer, prompt: str | Prompt) -> torch.Tensor:
    """The model's logits for the token after ``prompt``, ``<unk>``'s set to
    -inf (never drawn); float64 on the CPU. Shape (V,)."""
    encoded = as_prompt(tokenizer, prompt)
    model.eval()
    device = next(model.parameters()).device
    logits, _ = model(torch.tensor([encoded.ids], device=device))  # (1, P, V)
    last = logits[0, -1].detach().to("cpu", torch.float64)  # (V,)
    last[UNK_ID] = -math.inf
    return last


def at_temperature(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """``softmax(logits / T)``; at T = 0 all the mass is on the argmax. (V,) -> (V,)"""
    if temperature == 0:
        probabilities = torch.zeros_like(logits)
        probabilities[logits.argmax()] = 1.0
        return probabilities
    return (logits / temperature).softmax(-1)


def top_probabilities(logits: torch.Tensor, tokenizer: Tokenizer, temperatures: tuple[float, ...],
                      top: int = TOP_K) -> tuple[list[str], dict[float, list[float]]]:
    """The ``top`` most likely tokens of ``logits`` (V,) at T = 1 and their
    probability at each temperature (what the studio's chart shows)."""
    chosen = logits.topk(min(top, logits.numel() - 1)).indices  # (K,)
    table = {temperature: at_temperature(logits, temperature)[chosen].tolist() for temperature in temperatures}
    return [tokenizer.token(token_id) for token_id in chosen.tolist()], table
