"""The training loop and its one configuration, ``TrainConfig``.

Training follows the reference recipe: each split is one id stream cut into
``batch_size`` rows, read in ``bptt``-step windows with the LSTM state carried
(and detached) from one window to the next. The loop validates every epoch,
keeps the best-valid weights, honours a wall-clock budget, and finally scores
the test split. It reports through a callback and never prints.
"""

from __future__ import annotations

import copy
import functools
import math
import shutil
import tempfile
import time
from contextlib import contextmanager
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch
import torch.nn.functional as F

from lm import distributed, training_state
from lm.checkpoints import load_folder, save
from lm.corpora import CORPORA, Corpus, load_corpus
from lm.data import batchify, singletons, variable_windows, window_count, windows, with_unknown_words
from lm.evaluate import DEFAULT_EVAL_BPTT, evaluate
from lm.model import LSTMLanguageModel
from lm.model_card import model_card
from lm.regularization import Regularization, regularized_forward
from lm.runtime import pick_device, reuse_freed_memory, seed_everything
from lm.sampling import generate
from lm.tokenizer import Tokenizer

SCHEDULES = ("plateau", "cosine", "one-cycle", "constant")
OPTIMIZERS = ("adamw", "nt-asgd")
PRECISIONS = ("auto", "bf16", "fp32")
MAX_EXTRA_BPTT = 40  # variable BPTT never draws windows longer than bptt + this
WORD_UNKNOWN_RATE = 0.5  # --unknown-word-rate that budget picks and the studio use for word models
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
    dropout: float = _option(0.2, "dropout on embeddings, between layers and on the output (with --locked-dropout: on the output)")
    locked_dropout: bool = _option(False, "variational dropout: one mask per sequence, shared across time (AWD-LSTM)")
    input_dropout: float | None = _option(None, "dropout on the embeddings fed to the LSTM (default: --dropout)")
    hidden_dropout: float | None = _option(None, "dropout between LSTM layers (default: --dropout)")
    embedding_dropout: float = _option(0.0, "drop whole words from the embedding matrix (AWD-LSTM dropoute)")
    weight_drop: float = _option(0.0, "DropConnect on the hidden-to-hidden weights (AWD-LSTM wdrop)")
    ar_alpha: float = _option(0.0, "activation regularisation: alpha * mean(output^2)")
    tar_beta: float = _option(0.0, "temporal activation regularisation: beta * mean((h[t+1] - h[t])^2)")
    tie_weights: bool = _option(False, "share the embedding matrix with the output layer")
    unknown_word_rate: float = _option(0.0, "show each training occurrence of a word seen only once as <unk> with this probability, so the model learns how likely an unseen word is")
    batch_size: int = _option(64, "parallel rows the training stream is cut into")
    bptt: int = _option(64, "steps per truncated-backprop window")
    variable_bptt: bool = _option(False, "draw each window's length around --bptt (AWD-LSTM), learning rate scaled to it")
    optimizer: str = _option("adamw", "AdamW, or SGD switching to averaged SGD when valid stalls (NT-ASGD)", choices=OPTIMIZERS)
    nonmono: int = _option(5, "NT-ASGD: epochs without beating the best of the earlier ones before averaging starts")
    learning_rate: float = _option(3e-3, "peak learning rate")
    weight_decay: float = _option(0.01, "AdamW weight decay")
    schedule: str = _option("plateau", "learning-rate schedule: halve on a valid plateau, warm-up then cosine to the end, one-cycle, or constant", choices=SCHEDULES)
    warmup_steps: int = _option(0, "linear warm-up steps (cosine schedule)")
    clip: float = _option(0.25, "clip the gradient norm to this")
    epochs: int = _option(10, "passes over the training stream")
    max_minutes: float | None = _option(None, "stop training after this many minutes of wall-clock time")
    eval_batch_size: int = _option(10, "parallel rows when scoring valid and test")
    seed: int = _option(0, "random seed")
    device: str = _option("auto", "auto, cpu, cuda or mps", choices=("auto", "cpu", "cuda", "mps"))
    precision: str = _option("auto", "matrix products in bf16 (autocast; weights stay fp32) or fp32; auto: bf16 on CUDA and on CPUs with native bf16", choices=PRECISIONS)

    def __post_init__(self) -> None:
        positive = ("embedding_size", "hidden_size", "num_layers", "batch_size", "bptt", "epochs", "eval_batch_size")
        for name in positive:
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not 0 <= self.dropout < 1:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if not 0 <= self.unknown_word_rate <= 1:
            raise ValueError(f"unknown_word_rate must be in [0, 1], got {self.unknown_word_rate}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate must be positive, got {self.learning_rate}")
        if self.schedule not in SCHEDULES:
            raise ValueError(f"schedule must be one of {SCHEDULES}, got {self.schedule!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {self.optimizer!r}")
        self.regularization()  # checks the rates
        if self.max_minutes is not None and not self.max_minutes > 0:
            raise ValueError(f"max_minutes must be positive, got {self.max_minutes}")
        if self.corpus is None and self.text_file is None:
            raise ValueError("give a corpus name or a text file")
        if self.corpus is not None and self.corpus not in CORPORA:
            raise ValueError(f"unknown corpus {self.corpus!r}; known corpora are {sorted(CORPORA)}")

    def regularization(self) -> Regularization | None:
        """The AWD-LSTM settings, or None when plain dropout is all that is asked."""
        awd = (self.locked_dropout, self.input_dropout is not None, self.hidden_dropout is not None,
               self.embedding_dropout, self.weight_drop, self.ar_alpha, self.tar_beta)
        if not any(awd):
            return None
        return Regularization(
            embedding_dropout=self.embedding_dropout,
            input_dropout=self.dropout if self.input_dropout is None else self.input_dropout,
            hidden_dropout=self.dropout if self.hidden_dropout is None else self.hidden_dropout,
            output_dropout=self.dropout, weight_drop=self.weight_drop, locked=self.locked_dropout,
            alpha=self.ar_alpha, beta=self.tar_beta,
        )

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


class TrainingDiverged(ValueError):
    """The loss became NaN or infinite; the last good checkpoint is kept."""


class TrainingInterrupted(RuntimeError):
    """The run was paused on request and saved a resumable state."""


def use_bf16(precision: str, device: torch.device) -> bool:
    """bf16 autocast where the hardware does bf16 natively: CUDA, or a CPU
    with AVX-512 BF16 / AMX (measured 1.4-1.7x faster LSTM training steps)."""
    if precision != "auto":
        return precision == "bf16"
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return _cpu_has_native_bf16()
    return False


def _cpu_has_native_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux: stay with fp32
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def make_optimizer(config: TrainConfig, model: LSTMLanguageModel, averaging: bool = False) -> torch.optim.Optimizer:
    """AdamW; for NT-ASGD, plain SGD until averaging starts, then ASGD."""
    parameters = model.parameters()
    if config.optimizer == "adamw":
        return torch.optim.AdamW(parameters, lr=config.learning_rate, weight_decay=config.weight_decay)
    if averaging:
        return torch.optim.ASGD(parameters, lr=config.learning_rate, t0=0, lambd=0.0, weight_decay=config.weight_decay)
    return torch.optim.SGD(parameters, lr=config.learning_rate, weight_decay=config.weight_decay)


@contextmanager
def averaged_weights(optimizer: torch.optim.Optimizer):
    """Inside, the model holds ASGD's running averages (what NT-ASGD
    evaluates and saves); outside, the weights being trained. A no-op for
    other optimizers."""
    swapped = []
    if isinstance(optimizer, torch.optim.ASGD):
        with torch.no_grad():
            for group in optimizer.param_groups:
                for parameter in group["params"]:
                    average = optimizer.state.get(parameter, {}).get("ax")
                    if average is not None:
                        swapped.append((parameter, parameter.detach().clone()))
                        parameter.copy_(average)
    try:
        yield
    finally:
        with torch.no_grad():
            for parameter, current in swapped:
                parameter.copy_(current)


def averaging_is_due(valid_losses: list[float], nonmono: int) -> bool:
    """NT-ASGD's trigger: the newest valid loss is worse than the best of the
    epochs before the last ``nonmono`` ones."""
    earlier = valid_losses[: -nonmono - 1]
    return bool(earlier) and valid_losses[-1] > min(earlier)


def schedule_scale(schedule: str, progress: float, step: int, warmup_steps: int) -> float:
    """Learning rate as a fraction of the peak. ``cosine``: linear warm-up
    over ``warmup_steps``, then cosine to 1 % at the end; ``one-cycle``: up
    from 4 % to the peak over the first 30 % of the run, then cosine down to
    0.01 %; others: 1."""
    if schedule == "cosine":
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * progress))
    if schedule == "one-cycle":
        if progress < 0.3:
            return 0.04 + 0.96 * progress / 0.3
        return 1e-4 + (1 - 1e-4) * 0.5 * (1 + math.cos(math.pi * (progress - 0.3) / 0.7))
    return 1.0


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


def resume_config(out: str | Path) -> tuple[TrainConfig, str]:
    """The config and command of the interrupted run saved in ``out``."""
    if not training_state.exists(out):
        raise ValueError(f"{out} holds no interrupted run to resume ({training_state.STATE_JSON} is missing)")
    snapshot = training_state.load_snapshot(out)
    return TrainConfig(**snapshot.config), snapshot.command


def train(
    config: TrainConfig,
    out: str | Path,
    callback: Callable[[TrainEvent], None] | None = None,
    command: str | None = None,
    prepared: Prepared | None = None,
    should_stop: Callable[[], bool] | None = None,
    sample_prompt: str | None = None,
    should_pause: Callable[[], bool] | None = None,
    resume: bool = False,
) -> dict:
    """Train, save the best-valid checkpoint in ``out`` and return its metrics.

    ``should_stop`` ends the run early but normally (validate, save, test);
    ``should_pause`` saves a resumable state in ``out`` and raises
    ``TrainingInterrupted``; ``resume`` continues such a state exactly. With
    ``sample_prompt``, each epoch event carries a sample from the model. A
    NaN or infinite loss raises ``TrainingDiverged`` before anything is saved."""
    with reuse_freed_memory():
        return _train(config, out, callback, command, prepared, should_stop, sample_prompt, should_pause, resume)


def _train(config, out, callback, command, prepared, should_stop, sample_prompt, should_pause, resume) -> dict:
    report = callback or (lambda event: None)
    should_stop = should_stop or (lambda: False)
    should_pause = should_pause or (lambda: False)
    seed_everything(config.seed)
    device = pick_device(config.device)
    group = distributed.from_environment(device)
    is_main = group is None or group.is_main
    world = 1 if group is None else group.world_size
    if not is_main:  # rank 0 alone reports and writes
        report = lambda event: None  # noqa: E731
    else:
        check_writable(out)
    prepared = prepared or prepare(config)
    tokenizer = prepared.tokenizer
    rare = singletons(prepared.ids["train"], len(tokenizer)) if config.unknown_word_rate else None

    @functools.lru_cache(maxsize=1)  # the rows asked for before the loop are the first epoch's
    def training_rows(epoch: int) -> torch.Tensor:
        stream = prepared.ids["train"]
        if rare is not None:  # a fresh draw each epoch, the same on every rank and after a resume
            stream = with_unknown_words(stream, rare, config.unknown_word_rate, tokenizer.unk_id,
                                        config.seed * 100_003 + epoch)
        rows = batchify(stream, config.batch_size).to(device)  # (B, N)
        return rows if group is None else group.rows(rows)  # (B / world, N): this rank's rows

    rows = training_rows(1)
    steps_per_epoch = window_count(rows, config.bptt)
    total_steps = steps_per_epoch * config.epochs
    budget = config.max_minutes * 60 if config.max_minutes else None
    model = LSTMLanguageModel(**config.model_kwargs(len(tokenizer))).to(device)
    if is_main:
        check_space(out, 4 * 4 * model.parameter_count())  # best weights + resumable state
    if group is not None:
        torch.manual_seed(config.seed + 1 + group.rank)  # same initial weights, different dropout masks per rank
    regularization = config.regularization()
    bf16 = use_bf16(config.precision, device)
    run = {"epoch": 1, "position": 0, "step": 0, "tokens_seen": 0, "epoch_loss": 0.0, "epoch_tokens": 0,
           "elapsed": 0.0, "best_loss": math.inf, "best_epoch": 0, "best_valid": None, "history": [],
           "averaging_from_epoch": 0}
    snapshot = training_state.load_snapshot(out) if resume else None
    if snapshot is not None:
        run = snapshot.progress
    optimizer = make_optimizer(config, model, averaging=bool(run["averaging_from_epoch"]))
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
    carried, best_state = None, None
    if snapshot is not None:
        model.load_state_dict(snapshot.model)
        optimizer.load_state_dict(snapshot.optimizer)
        plateau.load_state_dict(snapshot.scheduler)
        carried = tuple(tensor.to(device) for tensor in snapshot.carried_state) if snapshot.carried_state else None
        rng = snapshot.rng
        if run.get("processes", 1) != world:
            raise ValueError(f"this run was paused with {run.get('processes', 1)} process(es) and is resumed with "
                             f"{world}; resume it with the same number (torchrun --nproc_per_node)")
        if group is not None:  # this rank's rows and random state
            carried = None if carried is None else tuple(group.rows(tensor, dim=1) for tensor in carried)
            rng = {name: value[group.rank].clone() for name, value in rng.items()}  # a row of its own, not a view
        if run["best_epoch"]:
            best_state = copy.deepcopy(load_folder(Path(out))[0].to(device).state_dict())
        training_state.restore_rng(rng, device)
        command = command or snapshot.command
    started = time.perf_counter() - run["elapsed"]

    def progress(step: int) -> float:
        by_steps = step / total_steps
        by_time = (time.perf_counter() - started) / budget if budget else 0.0
        return min(1.0, max(by_steps, by_time))

    def set_learning_rate(step: int) -> None:
        if config.schedule in ("cosine", "one-cycle"):
            scale = schedule_scale(config.schedule, progress(step), step, config.warmup_steps)
            for param_group in optimizer.param_groups:
                param_group["lr"] = config.learning_rate * scale

    def score(split: str) -> dict:
        with averaged_weights(optimizer):
            figures = evaluate(model, prepared.ids[split], config.eval_batch_size, DEFAULT_EVAL_BPTT)
        if tokenizer.level == "char":
            figures["bits_per_char"] = figures["bits_per_token"]
        return figures

    def pause(position: int, state) -> None:
        run["position"], run["elapsed"], run["processes"] = position, time.perf_counter() - started, world
        rng = training_state.rng_states(device)
        if group is not None:  # rank 0 saves every rank's rows of the carried state and random state
            state = None if state is None else tuple(group.all_rows(tensor, dim=1) for tensor in state)  # (L, B, H)
            rng = {name: group.all_rows(value[None].to(device)).cpu() for name, value in rng.items()}  # (world, n)
        if is_main:
            training_state.save_snapshot(out, training_state.Snapshot(
                asdict(config), command or "", run, model.state_dict(), optimizer.state_dict(),
                plateau.state_dict(), state, rng))
        raise TrainingInterrupted(f"paused at epoch {run['epoch']}, step {run['step']}; the state is saved in {out}")

    def diverged(value, epoch: int) -> TrainingDiverged:
        return TrainingDiverged(
            f"the training loss became {value} at epoch {epoch}, step {run['step'] + 1}; stopped. The last good "
            f"checkpoint in {out} is kept. Try a lower --learning-rate (now {config.learning_rate:g}) or --clip "
            f"(now {config.clip:g})")

    history = run["history"]
    out_of_time = False
    for epoch in range(run["epoch"], config.epochs + 1):
        model.train()
        run["epoch"] = epoch
        state, carried = carried, None
        epoch_started = time.perf_counter()
        if rare is not None:
            rows = training_rows(epoch)
        if config.variable_bptt:
            batches = variable_windows(rows, config.bptt, config.seed * 100_003 + epoch, MAX_EXTRA_BPTT)
        else:
            batches = windows(rows, config.bptt)
        for position, inputs, targets in batches:
            if position < run["position"]:  # resuming: these windows were done before the pause
                continue
            set_learning_rate(run["step"])
            if state is not None:
                state = tuple(tensor.detach() for tensor in state)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=bf16):
                if regularization is None:
                    logits, state = model(inputs, state)  # (B, T, V)
                    penalty = 0.0
                else:
                    output = regularized_forward(model, inputs, state, regularization)
                    logits, state, penalty = output.logits, output.state, output.penalty(regularization)
            state = tuple(tensor.float() for tensor in state)
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), targets.reshape(-1))
            loss_value = loss.item()
            if group is None and not math.isfinite(loss_value):
                raise diverged(loss_value, epoch)
            optimizer.zero_grad(set_to_none=True)
            (loss + penalty).backward()
            stop = bool((budget and time.perf_counter() - started >= budget) or should_stop())
            pausing = should_pause()
            if group is not None:  # every rank learns whether any rank ran out of time, diverged or pauses
                stop, any_diverged, pausing = group.average_gradients(
                    list(model.parameters()), (stop, not math.isfinite(loss_value), pausing))
                if any_diverged:
                    raise diverged("NaN or infinite on a process", epoch)
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
            # A shorter or longer window than bptt takes a proportionally smaller or larger step.
            window_scale = inputs.size(1) / config.bptt if config.variable_bptt else 1.0
            for param_group in optimizer.param_groups:
                param_group["lr"] *= window_scale
            optimizer.step()
            for param_group in optimizer.param_groups:
                param_group["lr"] /= window_scale
            run["step"] += 1
            run["tokens_seen"] += targets.numel() * world
            run["epoch_loss"] += loss_value * targets.numel()
            run["epoch_tokens"] += targets.numel()
            if run["step"] % 10 == 0:
                elapsed = time.perf_counter() - epoch_started
                report(TrainEvent("step", epoch, run["step"], progress(run["step"]), time.perf_counter() - started,
                                  run["epoch_tokens"] / max(elapsed, 1e-9), train_loss=loss_value,
                                  learning_rate=optimizer.param_groups[0]["lr"]))
            if pausing:
                pause(position + inputs.size(1), state)
            if stop:
                out_of_time = True
                break
        valid = score("valid")
        if config.schedule == "plateau":
            plateau.step(valid["loss"])
        improved = valid["loss"] < run["best_loss"]
        if improved:
            run["best_loss"], run["best_epoch"], run["best_valid"] = valid["loss"], epoch, valid
            with averaged_weights(optimizer):
                best_state = copy.deepcopy(model.state_dict())
                if is_main:
                    save(out, model, tokenizer)
        if (config.optimizer == "nt-asgd" and not run["averaging_from_epoch"]
                and averaging_is_due([row["valid_loss"] for row in history] + [valid["loss"]], config.nonmono)):
            run["averaging_from_epoch"] = epoch + 1
            optimizer = make_optimizer(config, model, averaging=True)
            plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
        record = {
            "epoch": epoch,
            "train_loss": run["epoch_loss"] / max(run["epoch_tokens"], 1),
            "valid_loss": valid["loss"],
            "valid_accuracy": valid["accuracy"],
            "learning_rate": optimizer.param_groups[0]["lr"],
            "elapsed": time.perf_counter() - started,
        }
        history.append(record)
        tokens_per_second = run["epoch_tokens"] / max(time.perf_counter() - epoch_started, 1e-9)
        run["position"], run["epoch_loss"], run["epoch_tokens"] = 0, 0.0, 0
        sample = None
        if sample_prompt is not None:
            sample = generate(model, tokenizer, sample_prompt, [0.8], max_new_tokens=SAMPLE_TOKENS, seed=epoch).texts[0]
        report(TrainEvent("epoch", epoch, run["step"], progress(run["step"]), record["elapsed"],
                          tokens_per_second,
                          train_loss=record["train_loss"], valid_loss=valid["loss"],
                          learning_rate=record["learning_rate"], improved=improved, metrics=valid,
                          sample=sample))
        if out_of_time:
            break
        if should_pause() and epoch < config.epochs and group is None:
            run["epoch"] = epoch + 1
            pause(0, None)
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
        "best_epoch": run["best_epoch"],
        "steps": run["step"],
        "tokens_seen": run["tokens_seen"],
        "stopped_early": out_of_time,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "train_loss": history[-1]["train_loss"],
        "valid": run["best_valid"],
        "test": score("test"),
        "evaluation": {"batch_size": config.eval_batch_size, "bptt": DEFAULT_EVAL_BPTT},
        "history": history,
        "config": asdict(config),
        "command": command or "",
        "device": str(device),
        "precision": "bf16" if bf16 else "fp32",
        "processes": world,
        "averaging_from_epoch": run["averaging_from_epoch"],
    }
    if is_main:
        save(out, model, tokenizer, metrics, model_card(metrics))
        training_state.remove(out)
    if group is not None:
        group.close()
    report(TrainEvent("done", len(history), run["step"], 1.0, metrics["wall_seconds"], 0.0,
                      valid_loss=metrics["valid"]["loss"], metrics=metrics))
    return metrics
