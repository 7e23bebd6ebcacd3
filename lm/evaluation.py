"""Scoring a token stream: loss, perplexity, next-token accuracy, and how
much the ``<unk>`` targets weigh. ``python -m lm.evaluate`` is its command
line (``lm/evaluate.py``)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from lm.data import batchify, windows
from lm.model import LSTMLanguageModel
from lm.tokenizer import UNK_ID

DEFAULT_EVAL_BATCH_SIZE = 10
DEFAULT_EVAL_BPTT = 128


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
