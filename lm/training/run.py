"""One training run: its corpus made ready (``prepare``: the tokenizer, built
on the train split or, when fine-tuning, the parent checkpoint's, and every
split encoded as one id stream), the checks on its output folder made before
it starts (so that a run does not fail hours in when it first saves), the
run while it runs (``Run``: its parts, its progress, its training rows and
windows), the events it reports (``TrainEvent``) and the metrics it ends
with (``final_metrics``)."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from lm.corpora import Corpus, load_corpus
from lm.data import batchify, variable_windows, windows, with_unknown_words
from lm.hub import load
from lm.model import LSTMLanguageModel, LSTMState
from lm.scoring import DEFAULT_EVAL_BPTT
from lm.tokenizer import UNK_ID, Tokenizer
from lm.training.config import TrainConfig
from lm.training.distributed import Group
from lm.training.regularization import Regularization
from lm.training.resume import Progress
from lm.training.snapshots import parse_snapshots

MAX_EXTRA_BPTT = 40  # variable BPTT never draws windows longer than bptt + this


@dataclass
class Prepared:
    """A corpus turned into id streams with its tokenizer."""

    corpus: Corpus
    tokenizer: Tokenizer
    ids: dict[str, torch.Tensor]  # split -> (N,) ids
    parent: LSTMLanguageModel | None = None  # fine-tuning: the model training starts from

    @property
    def unknown_tokens(self) -> int:
        """Training tokens outside the vocabulary (``<unk>``)."""
        return int((self.ids["train"] == UNK_ID).sum())


def prepare(config: TrainConfig) -> Prepared:
    """Load the config's corpus, build its tokenizer and encode every split."""
    corpus = load_corpus(config.corpus, config.text_file, config.level, config.dataset_revision,
                         blank_lines=config.tokenizer == "whitespace")
    parent = None
    if config.init_from:  # fine-tuning: the parent's vocabulary, whatever the new text holds
        parent, tokenizer = load(config.init_from)
    else:
        min_freq = config.min_freq if config.min_freq is not None else corpus.min_freq
        tokenizer = Tokenizer.build(corpus.splits["train"], corpus.level, min_freq, config.max_vocab,
                                    config.tokenizer or corpus.rule, corpus.line_breaks)
    ids = {split: torch.tensor(corpus.encode(split, tokenizer), dtype=torch.long) for split in corpus.splits}
    return Prepared(corpus, tokenizer, ids, parent)


def check_writable(out: str | Path) -> None:
    """Fail now, not hours from now, when ``out`` cannot be written."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as error:
        raise OSError(f"cannot write checkpoints to {out} ({error.strerror or error}); choose another --out") from error


def check_space(out: str | Path, needed_bytes: int) -> None:
    """Fail now when ``out``'s disk cannot hold the checkpoints."""
    free = shutil.disk_usage(out).free
    if free < needed_bytes:
        raise OSError(f"{out} has {free / 1e6:,.0f} MB free; this run needs about {needed_bytes / 1e6:,.0f} MB "
                      "for its checkpoints")


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


def _never() -> bool:
    return False


def _discard(event: TrainEvent) -> None:
    pass


@dataclass
class Run:
    """Everything a training run holds while it runs. ``progress`` is what a
    pause saves besides the tensors; the rest is rebuilt on resume."""

    config: TrainConfig
    out: Path
    data: Prepared
    device: torch.device
    group: Group | None  # the torchrun processes; None for one process
    model: LSTMLanguageModel
    rare: torch.Tensor | None  # (V,) ids seen once in train, when some are shown as <unk>
    bf16: bool
    regularization: Regularization | None
    progress: Progress = field(default_factory=Progress)
    optimizer: torch.optim.Optimizer | None = None
    total_steps: int = 1
    started: float = 0.0  # perf_counter() when the run started, less the time before a pause
    epoch_started: float = 0.0
    rows: torch.Tensor | None = None  # (B / processes, N) this epoch's training rows
    rows_epoch: int = 0
    carried: LSTMState | None = None  # the state a resumed run starts its next window from
    best_state: dict | None = None  # weights of the best epoch so far
    command: str = ""
    sample_prompt: str | None = None
    report: Callable[[TrainEvent], None] = _discard
    should_stop: Callable[[], bool] = _never
    should_pause: Callable[[], bool] = _never

    @property
    def is_main(self) -> bool:
        return self.group is None or self.group.is_main

    @property
    def processes(self) -> int:
        return 1 if self.group is None else self.group.world_size

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    @property
    def snapshot_points(self) -> list[float]:
        """The epochs or budget shares the time-lapse keeps weights at."""
        return parse_snapshots(self.config.snapshots)[0]

    def out_of_time(self) -> bool:
        return bool(self.config.max_minutes and self.elapsed() >= self.config.max_minutes * 60)

    def fraction(self) -> float:
        """How far the run is, by steps or by time budget, whichever is further."""
        by_steps = self.progress.step / self.total_steps
        by_time = self.elapsed() / (self.config.max_minutes * 60) if self.config.max_minutes else 0.0
        return min(1.0, max(by_steps, by_time))

    def steps_taken(self) -> int:
        return self.progress.step

    def training_rows(self, epoch: int) -> torch.Tensor:
        """This process's training rows, ``(B / processes, N)``. With an
        ``<unk>`` rate, each epoch draws its own (the same on every process
        and after a resume), once."""
        config = self.config
        if self.rows is None or (self.rare is not None and self.rows_epoch != epoch):
            stream = self.data.ids["train"]
            if self.rare is not None:
                stream = with_unknown_words(stream, self.rare, config.unknown_word_rate, self.data.tokenizer.unk_id,
                                            self._epoch_seed(epoch))
            rows = batchify(stream, config.batch_size).to(self.device)  # (B, N)
            self.rows, self.rows_epoch = (rows if self.group is None else self.group.rows(rows)), epoch
        return self.rows

    def windows(self, epoch: int) -> Iterator[tuple[int, torch.Tensor, torch.Tensor]]:
        """``(position, inputs, targets)`` windows of ``epoch``'s rows; inputs and targets ``(B, T)``."""
        rows = self.training_rows(epoch)
        if self.config.variable_bptt:
            return variable_windows(rows, self.config.bptt, self._epoch_seed(epoch), MAX_EXTRA_BPTT)
        return windows(rows, self.config.bptt)

    def _epoch_seed(self, epoch: int) -> int:
        return self.config.seed * 100_003 + epoch

    def plateau_losses(self) -> list[float]:
        """Valid losses since the optimiser in use started (NT-ASGD starts a new one)."""
        first = max(self.progress.averaging_from_epoch - 1, 0)
        return [row["valid_loss"] for row in self.progress.history[first:]]


def final_metrics(run: Run, stopped_early: bool, wall_seconds: float, test: dict) -> dict:
    """What ``metrics.json`` holds: data, model, run, figures, history, config."""
    data, progress = run.data, run.progress
    return {
        "corpus": data.corpus.name,
        "source": data.corpus.source,
        "level": data.tokenizer.level,
        "vocab_size": len(data.tokenizer),
        "parameters": run.model.parameter_count(),
        "split_tokens": {split: int(ids.numel()) for split, ids in data.ids.items()},
        "split_characters": data.corpus.sizes(),
        "epochs": len(progress.history),
        "best_epoch": progress.best_epoch,
        "steps": progress.step,
        "tokens_seen": progress.tokens_seen,
        "stopped_early": stopped_early,
        "wall_seconds": round(wall_seconds, 1),
        "train_loss": progress.history[-1]["train_loss"],
        "valid": progress.best_valid,
        "test": test,
        "evaluation": {"batch_size": run.config.eval_batch_size, "bptt": DEFAULT_EVAL_BPTT},
        "history": progress.history,
        "snapshots": run.progress.snapshots,
        "config": asdict(run.config),
        "command": run.command,
        "device": str(run.device),
        "precision": "bf16" if run.bf16 else "fp32",
        "processes": run.processes,
        "averaging_from_epoch": progress.averaging_from_epoch,
    }
