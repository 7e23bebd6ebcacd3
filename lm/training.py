"""The training loop and its one configuration, ``TrainConfig``.

Training follows the reference recipe: each split is one id stream cut into
``batch_size`` rows, read in ``bptt``-step windows with the LSTM state carried
(and detached) from one window to the next. The loop validates every epoch,
keeps the best-valid weights, honours a wall-clock budget, and finally scores
the test split. It reports through a callback and never prints.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch
import torch.nn.functional as F

from lm.checkpoints import save
from lm.corpora import CORPORA, Corpus, load_corpus
from lm.data import batchify, window_count, windows
from lm.evaluate import DEFAULT_EVAL_BPTT, evaluate
from lm.model import LSTMLanguageModel
from lm.model_card import model_card
from lm.runtime import pick_device, seed_everything
from lm.sampling import generate
from lm.tokenizer import Tokenizer

SCHEDULES = ("plateau", "cosine", "constant")
SAMPLE_TOKENS = 60


def _option(default, help: str, **extra):
    return field(default=default, metadata={"help": help, **extra})


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run. ``train.py`` derives its flags
    and their help text from these fields."""

    corpus: str | None = _option("human-numbers", "named corpus; omit (with --text-file) to train on your own text")
    text_file: str | None = _option(None, "local text file, or folder with train.txt/valid.txt/test.txt, or a local copy of the corpus")
    dataset_revision: str | None = _option(None, "Hub dataset revision (branch, tag or commit) to pin a Hub corpus to")
    level: str | None = _option(None, "tokenization: 'char' or 'word' (default: the corpus's own)", choices=("char", "word"))
    min_freq: int | None = _option(None, "keep words seen at least this often in train (default: the corpus's own)")
    max_vocab: int | None = _option(None, "cap the vocabulary at this many tokens, specials included")
    embedding_size: int = _option(64, "width of the token embedding")
    hidden_size: int = _option(256, "width of each LSTM layer")
    num_layers: int = _option(2, "number of stacked LSTM layers")
    dropout: float = _option(0.2, "dropout on embeddings, between layers and on the output")
    tie_weights: bool = _option(False, "share the embedding matrix with the output layer")
    batch_size: int = _option(64, "parallel rows the training stream is cut into")
    bptt: int = _option(64, "steps per truncated-backprop window")
    learning_rate: float = _option(3e-3, "peak AdamW learning rate")
    weight_decay: float = _option(0.01, "AdamW weight decay")
    schedule: str = _option("plateau", "learning-rate schedule: halve on a valid plateau, cosine to the end, or constant", choices=SCHEDULES)
    warmup_steps: int = _option(0, "linear warm-up steps (cosine schedule)")
    clip: float = _option(0.25, "clip the gradient norm to this")
    epochs: int = _option(10, "passes over the training stream")
    max_minutes: float | None = _option(None, "stop training after this many minutes of wall-clock time")
    eval_batch_size: int = _option(10, "parallel rows when scoring valid and test")
    seed: int = _option(0, "random seed")
    device: str = _option("auto", "auto, cpu, cuda or mps", choices=("auto", "cpu", "cuda", "mps"))

    def __post_init__(self) -> None:
        positive = ("embedding_size", "hidden_size", "num_layers", "batch_size", "bptt", "epochs", "eval_batch_size")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if self.max_minutes is not None and not self.max_minutes > 0:
            raise ValueError(f"max_minutes must be positive, got {self.max_minutes}")
        if self.corpus is None and self.text_file is None:
            raise ValueError("give a corpus name or a text file")
        if self.corpus is not None and self.corpus not in CORPORA:
            raise ValueError(f"unknown corpus {self.corpus!r}; known corpora are {sorted(CORPORA)}")

    def model_kwargs(self, vocab_size: int) -> dict:
        return {
            "vocab_size": vocab_size,
            "embedding_size": self.embedding_size,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "dropout": self.dropout,
            "tie_weights": self.tie_weights,
        }


CONFIG_FIELDS = {item.name for item in fields(TrainConfig)}

# Each preset reproduces one reference system (or, for the two shipped models,
# the settings that produced them).
PRESETS: dict[str, dict] = {
    "human-numbers": dict(
        corpus="human-numbers", embedding_size=32, hidden_size=256, num_layers=1, dropout=0.1,
        tie_weights=True, batch_size=16, bptt=64, learning_rate=3e-3, weight_decay=0.1,
        schedule="cosine", warmup_steps=100, epochs=100,
    ),
    "tiny-shakespeare": dict(
        corpus="tiny-shakespeare", embedding_size=64, hidden_size=512, num_layers=2, dropout=0.3,
        batch_size=64, bptt=128, learning_rate=2e-3, weight_decay=0.01, schedule="cosine",
        warmup_steps=100, epochs=100, clip=1.0,
    ),
    "cnn-dailymail": dict(
        corpus="cnn-dailymail", min_freq=3, embedding_size=512, hidden_size=512, num_layers=3, dropout=0.65,
        batch_size=128, bptt=50, learning_rate=1e-3, weight_decay=0.0, schedule="plateau", clip=0.25, epochs=20,
    ),
    "imdb": dict(
        corpus="imdb", min_freq=6, embedding_size=300, hidden_size=256, num_layers=1, dropout=0.0,
        batch_size=32, bptt=256, learning_rate=1e-3, weight_decay=0.0, schedule="constant", clip=1.0, epochs=10,
    ),
    "harry-potter": dict(
        corpus="harry-potter", min_freq=3, embedding_size=1024, hidden_size=1024, num_layers=2, dropout=0.65,
        batch_size=128, bptt=50, learning_rate=1e-3, weight_decay=0.0, schedule="plateau", clip=0.25, epochs=50,
    ),
}


def config_from(preset: str | None = None, **overrides) -> TrainConfig:
    """Defaults, then the preset's values, then explicit overrides."""
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; presets are {sorted(PRESETS)}")
    unknown = set(overrides) - CONFIG_FIELDS
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}")
    return TrainConfig(**{**(PRESETS[preset] if preset else {}), **overrides})


@dataclass
class TrainEvent:
    """What the loop reports. ``kind`` is ``step``, ``epoch`` or ``done``."""

    kind: str
    epoch: int
    step: int
    fraction: float  # of the whole run, by steps or by time budget
    elapsed: float
    tokens_per_second: float
    train_loss: float | None = None
    valid_loss: float | None = None
    learning_rate: float | None = None
    improved: bool = False
    metrics: dict | None = None
    sample: str | None = None  # a short sample after each epoch, when asked for


@dataclass
class Prepared:
    """A corpus turned into id streams with its tokenizer."""

    corpus: Corpus
    tokenizer: Tokenizer
    ids: dict[str, torch.Tensor]


def prepare(config: TrainConfig) -> Prepared:
    corpus = load_corpus(config.corpus, config.text_file, config.level, config.dataset_revision)
    min_freq = config.min_freq if config.min_freq is not None else corpus.min_freq
    tokenizer = Tokenizer.build(corpus.splits["train"], corpus.level, min_freq, config.max_vocab)
    ids = {
        split: torch.tensor(tokenizer.encode_lines(lines, corpus.eos_after_each), dtype=torch.long)
        for split, lines in corpus.splits.items()
    }
    return Prepared(corpus, tokenizer, ids)


def train(
    config: TrainConfig,
    out: str | Path,
    callback: Callable[[TrainEvent], None] | None = None,
    command: str | None = None,
    prepared: Prepared | None = None,
    should_stop: Callable[[], bool] | None = None,
    sample_prompt: str | None = None,
) -> dict:
    """Train, save the best-valid checkpoint in ``out`` and return its metrics.
    With ``sample_prompt``, each epoch event carries a sample from the model."""
    started = time.perf_counter()
    report = callback or (lambda event: None)
    should_stop = should_stop or (lambda: False)
    seed_everything(config.seed)
    device = pick_device(config.device)
    prepared = prepared or prepare(config)
    tokenizer = prepared.tokenizer
    rows = batchify(prepared.ids["train"], config.batch_size).to(device)  # (B, N)
    steps_per_epoch = window_count(rows, config.bptt)
    total_steps = steps_per_epoch * config.epochs
    budget = config.max_minutes * 60 if config.max_minutes else None
    model = LSTMLanguageModel(**config.model_kwargs(len(tokenizer))).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.learning_rate, weight_decay=config.weight_decay)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)

    def progress(step: int) -> float:
        by_steps = step / total_steps
        by_time = (time.perf_counter() - started) / budget if budget else 0.0
        return min(1.0, max(by_steps, by_time))

    def set_learning_rate(step: int) -> None:
        if config.schedule != "cosine":
            return
        if step < config.warmup_steps:
            scale = (step + 1) / config.warmup_steps
        else:
            scale = 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * progress(step)))
        for group in optimizer.param_groups:
            group["lr"] = config.learning_rate * scale

    def score(split: str) -> dict:
        figures = evaluate(model, prepared.ids[split], config.eval_batch_size, DEFAULT_EVAL_BPTT)
        if tokenizer.level == "char":
            figures["bits_per_char"] = figures["bits_per_token"]
        return figures

    history: list[dict] = []
    best_loss, best_state, best_epoch = math.inf, None, 0
    step, tokens_seen, out_of_time = 0, 0, False
    for epoch in range(1, config.epochs + 1):
        model.train()
        state = None
        epoch_loss, epoch_tokens = 0.0, 0
        epoch_started = time.perf_counter()
        for _, inputs, targets in windows(rows, config.bptt):
            set_learning_rate(step)
            if state is not None:
                state = tuple(tensor.detach() for tensor in state)
            logits, state = model(inputs, state)  # (B, T, V)
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            optimizer.step()
            step += 1
            tokens_seen += targets.numel()
            epoch_loss += loss.item() * targets.numel()
            epoch_tokens += targets.numel()
            if step % 10 == 0:
                elapsed = time.perf_counter() - epoch_started
                report(TrainEvent("step", epoch, step, progress(step), time.perf_counter() - started,
                                  epoch_tokens / max(elapsed, 1e-9), train_loss=loss.item(),
                                  learning_rate=optimizer.param_groups[0]["lr"]))
            if (budget and time.perf_counter() - started >= budget) or should_stop():
                out_of_time = True
                break
        valid = score("valid")
        if config.schedule == "plateau":
            plateau.step(valid["loss"])
        improved = valid["loss"] < best_loss
        if improved:
            best_loss, best_epoch, best_valid = valid["loss"], epoch, valid
            best_state = copy.deepcopy(model.state_dict())
            save(out, model, tokenizer)
        record = {
            "epoch": epoch,
            "train_loss": epoch_loss / max(epoch_tokens, 1),
            "valid_loss": valid["loss"],
            "valid_accuracy": valid["accuracy"],
            "learning_rate": optimizer.param_groups[0]["lr"],
            "elapsed": time.perf_counter() - started,
        }
        history.append(record)
        sample = None
        if sample_prompt is not None:
            sample = generate(model, tokenizer, sample_prompt, [0.8], max_new_tokens=SAMPLE_TOKENS, seed=epoch).texts[0]
        report(TrainEvent("epoch", epoch, step, progress(step), record["elapsed"],
                          epoch_tokens / max(time.perf_counter() - epoch_started, 1e-9),
                          train_loss=record["train_loss"], valid_loss=valid["loss"],
                          learning_rate=record["learning_rate"], improved=improved, metrics=valid,
                          sample=sample))
        if out_of_time:
            break
    model.load_state_dict(best_state)
    metrics = {
        "corpus": prepared.corpus.name,
        "source": prepared.corpus.source,
        "level": tokenizer.level,
        "vocab_size": len(tokenizer),
        "parameters": model.parameter_count(),
        "split_tokens": {split: int(ids.numel()) for split, ids in prepared.ids.items()},
        "split_characters": prepared.corpus.sizes(),
        "epochs": len(history),
        "best_epoch": best_epoch,
        "steps": step,
        "tokens_seen": tokens_seen,
        "stopped_early": out_of_time,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "train_loss": history[-1]["train_loss"],
        "valid": best_valid,
        "test": score("test"),
        "evaluation": {"batch_size": config.eval_batch_size, "bptt": DEFAULT_EVAL_BPTT},
        "history": history,
        "config": asdict(config),
        "command": command or "",
        "device": str(device),
    }
    save(out, model, tokenizer, metrics, model_card(metrics))
    report(TrainEvent("done", len(history), step, 1.0, metrics["wall_seconds"], 0.0,
                      valid_loss=metrics["valid"]["loss"], metrics=metrics))
    return metrics
