"""The char race's baseline: a small GPT with nanoGPT's Shakespeare-char CPU
settings, written here as a plain loop.

    python bench/gpt_baseline.py --iterations 2000   # nanoGPT's own run: 1.886 nats/char at 2,000 iterations
    python bench/gpt_baseline.py --minutes 2.17      # as many iterations as fit the time

The settings are the ones nanoGPT's README gives for a CPU: 4 layers, 4
heads, 128 wide, block 64, batch 12, dropout 0, no biases, the output layer
tied to the token embedding; AdamW with betas (0.9, 0.99) and weight decay
0.1 on the 2-D weights only (matrices and embeddings; norms are not
decayed), learning rate 1e-3 after 100 warm-up iterations, cosine decay to
1e-4, gradient clip 1.0, fp32. The characters are nanoGPT's: the sorted set
of the whole text (65 of them), the first 90 % for training and the last
10 % for validation, cut where ``lm.corpora`` cuts Tiny Shakespeare, so the
baseline is scored on the valid split our char model is scored on.

Training draws random blocks of the train split, as nanoGPT does. The valid
loss is scored like nanoGPT's ``estimate_loss``: the mean loss over random
64-character blocks of the valid split, here 200 batches of 12 drawn with a
fixed seed, so two models are scored on the same blocks.

With a time budget rather than an iteration count, the cosine runs over
the elapsed time: after the 100 warm-up iterations the decay's progress is
the share of the remaining time spent, so the rate reaches 1e-4 as time
runs out whatever speed the machine has.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))
from lm.corpora import local_tiny_shakespeare  # noqa: E402
from lm.files import read_text_file  # noqa: E402


@dataclass
class GPTConfig:
    vocab_size: int = 65  # nanoGPT's characters of Tiny Shakespeare
    block_size: int = 64  # the longest context, in characters
    layers: int = 4
    heads: int = 4
    width: int = 128  # the embedding and residual stream
    dropout: float = 0.0


@dataclass
class BaselineSettings:
    batch_size: int = 12
    learning_rate: float = 1e-3  # the peak, after warm-up
    min_learning_rate: float = 1e-4  # where the cosine ends
    warmup_iterations: int = 100
    weight_decay: float = 0.1  # 2-D weights only
    betas: tuple[float, float] = (0.9, 0.99)
    gradient_clip: float = 1.0
    valid_batches: int = 200  # batches of random blocks behind the valid loss
    seed: int = 1337  # nanoGPT's


class LayerNorm(nn.Module):
    """Layer norm without a bias (nanoGPT's ``bias=False``)."""

    def __init__(self, width: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x, self.weight.shape, self.weight, None, 1e-5)


class SelfAttention(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.heads = config.heads
        self.query_key_value = nn.Linear(config.width, 3 * config.width, bias=False)
        self.projection = nn.Linear(config.width, config.width, bias=False)
        self.dropout = config.dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape  # (B, T, C)
        query, key, value = self.query_key_value(x).split(width, dim=2)  # 3 × (B, T, C)
        query, key, value = (tensor.view(batch, length, self.heads, width // self.heads).transpose(1, 2)
                             for tensor in (query, key, value))  # 3 × (B, heads, T, C / heads)
        mixed = F.scaled_dot_product_attention(query, key, value, is_causal=True,
                                               dropout_p=self.dropout if self.training else 0.0)
        mixed = mixed.transpose(1, 2).contiguous().view(batch, length, width)  # (B, T, C)
        return F.dropout(self.projection(mixed), self.dropout, self.training)


class Block(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.attention_norm, self.attention = LayerNorm(config.width), SelfAttention(config)
        self.feed_forward_norm = LayerNorm(config.width)
        self.expand = nn.Linear(config.width, 4 * config.width, bias=False)
        self.projection = nn.Linear(4 * config.width, config.width, bias=False)
        self.dropout = config.dropout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.attention_norm(x))  # (B, T, C)
        hidden = F.gelu(self.expand(self.feed_forward_norm(x)))  # (B, T, 4C)
        return x + F.dropout(self.projection(hidden), self.dropout, self.training)  # (B, T, C)


class GPT(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.config = config
        self.token_embedding = nn.Embedding(config.vocab_size, config.width)
        self.position_embedding = nn.Embedding(config.block_size, config.width)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.layers))
        self.final_norm = LayerNorm(config.width)
        self.output = nn.Linear(config.width, config.vocab_size, bias=False)
        self.output.weight = self.token_embedding.weight  # tied
        self.apply(self._initialise)
        for name, parameter in self.named_parameters():  # residual projections scaled down by depth, as GPT-2
            if name.endswith("projection.weight"):
                nn.init.normal_(parameter, mean=0.0, std=0.02 / math.sqrt(2 * config.layers))

    @staticmethod
    def _initialise(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def forward(self, ids: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """The mean cross-entropy of ``targets`` (B, T) given ``ids`` (B, T)."""
        positions = torch.arange(ids.shape[1])  # (T,)
        x = F.dropout(self.token_embedding(ids) + self.position_embedding(positions), self.config.dropout,
                      self.training)  # (B, T, C)
        for block in self.blocks:
            x = block(x)
        logits = self.output(self.final_norm(x))  # (B, T, V)
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))


def characters(text: str) -> tuple[torch.Tensor, torch.Tensor, int]:
    """nanoGPT's char encoding of ``text``: (train ids, valid ids, vocabulary size)."""
    vocabulary = sorted(set(text))
    index = {character: position for position, character in enumerate(vocabulary)}
    ids = torch.tensor([index[character] for character in text], dtype=torch.long)  # (N,)
    cut = int(len(text) * 0.9)  # where lm.corpora cuts Tiny Shakespeare's valid split
    return ids[:cut], ids[cut:], len(vocabulary)


def random_blocks(ids: torch.Tensor, batch_size: int, block_size: int,
                  generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch_size`` random blocks of ``ids`` and their next characters: (B, T) inputs and targets."""
    starts = torch.randint(len(ids) - block_size, (batch_size,), generator=generator)  # (B,)
    inputs = torch.stack([ids[start:start + block_size] for start in starts.tolist()])  # (B, T)
    targets = torch.stack([ids[start + 1:start + 1 + block_size] for start in starts.tolist()])  # (B, T)
    return inputs, targets


@torch.no_grad()
def valid_loss(model: GPT, valid: torch.Tensor, settings: BaselineSettings) -> float:
    """nanoGPT's ``estimate_loss`` on the valid split, on the same blocks every time."""
    model.eval()
    generator = torch.Generator().manual_seed(settings.seed)
    losses = [model(*random_blocks(valid, settings.batch_size, model.config.block_size, generator)).item()
              for _ in range(settings.valid_batches)]
    model.train()
    return sum(losses) / len(losses)


def learning_rate(progress: float, iteration: int, settings: BaselineSettings) -> float:
    """Linear warm-up over the first iterations, then cosine from the peak to
    the floor as ``progress`` (the share of the decay done) goes from 0 to 1."""
    if iteration < settings.warmup_iterations:
        return settings.learning_rate * (iteration + 1) / (settings.warmup_iterations + 1)
    cosine = 0.5 * (1.0 + math.cos(math.pi * min(1.0, max(0.0, progress))))
    return settings.min_learning_rate + cosine * (settings.learning_rate - settings.min_learning_rate)


def optimizer_for(model: GPT, settings: BaselineSettings) -> torch.optim.AdamW:
    """AdamW that decays the 2-D weights (matrices, embeddings) and not the norms' gains."""
    parameters = [parameter for parameter in model.parameters() if parameter.requires_grad]
    groups = [{"params": [p for p in parameters if p.dim() >= 2], "weight_decay": settings.weight_decay},
              {"params": [p for p in parameters if p.dim() < 2], "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=settings.learning_rate, betas=settings.betas)


def train_baseline(text: str, iterations: int | None = None, seconds: float | None = None,
                   settings: BaselineSettings | None = None) -> dict:
    """Train for ``iterations``, or for ``seconds`` of wall-clock time, and
    score the valid split; returns the figures (loss, iterations, seconds, …)."""
    if (iterations is None) == (seconds is None):
        raise ValueError(f"give iterations or seconds, not both or neither (got {iterations}, {seconds})")
    settings = settings or BaselineSettings()
    torch.manual_seed(settings.seed)
    train, valid, vocabulary_size = characters(text)
    model = GPT(GPTConfig(vocab_size=vocabulary_size))
    optimizer = optimizer_for(model, settings)
    started = time.perf_counter()
    warm_seconds, iteration = 0.0, 0
    while True:
        elapsed = time.perf_counter() - started
        if iterations is not None:
            if iteration >= iterations:
                break
            progress = (iteration - settings.warmup_iterations) / (iterations - settings.warmup_iterations)
        else:
            if elapsed >= seconds:
                break
            if iteration == settings.warmup_iterations:
                warm_seconds = elapsed
            progress = (elapsed - warm_seconds) / max(seconds - warm_seconds, 1e-9)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(progress, iteration, settings)
        loss = model(*random_blocks(train, settings.batch_size, model.config.block_size))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), settings.gradient_clip)
        optimizer.step()
        iteration += 1
    trained = time.perf_counter() - started
    parameters = sum(parameter.numel() for parameter in model.parameters())
    return {"valid_loss": valid_loss(model, valid, settings), "iterations": iteration, "seconds": trained,
            "characters_seen": iteration * settings.batch_size * model.config.block_size, "parameters": parameters}


def describe(result: dict) -> str:
    return (f"valid loss {result['valid_loss']:.4f} nats/char after {result['iterations']:,} iterations in "
            f"{result['seconds']:.0f} s ({result['characters_seen']:,} characters seen, "
            f"{result['parameters']:,} parameters, fp32, {torch.get_num_threads()} threads)")


def tiny_shakespeare_text() -> str:
    text_file = local_tiny_shakespeare()
    if text_file is None:
        raise SystemExit("Tiny Shakespeare not found: set $TINY_SHAKESPEARE or place it at "
                         "../shared/data/tinyshakespeare.txt")
    return read_text_file(text_file)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    budget = parser.add_mutually_exclusive_group(required=True)
    budget.add_argument("--iterations", type=int, help="train for this many iterations (nanoGPT's run: 2000)")
    budget.add_argument("--minutes", type=float, help="train for this much wall-clock time")
    args = parser.parse_args()
    result = train_baseline(tiny_shakespeare_text(), args.iterations,
                            None if args.minutes is None else 60 * args.minutes)
    print(f"baseline GPT: {describe(result)}")


if __name__ == "__main__":
    main()
