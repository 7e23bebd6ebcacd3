"""The training loop.

Training follows the reference recipe: each split is one id stream cut into
``batch_size`` rows, read in ``bptt``-step windows with the LSTM state carried
(and detached) from one window to the next. ``train`` validates every epoch,
keeps the best-valid weights, honours a wall-clock budget, and finally scores
the test split. It reports through a callback and never prints.

Read it top-down: ``train`` → ``start_run`` → ``train_epoch`` → ``train_step``,
then ``end_epoch``, ``pause`` and ``finish``. All a run holds is one ``Run``;
what a pause saves of it besides the tensors is its ``Progress``. A step's
learning rate is computed in ``train_step``, from the schedule and where the
run stands.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import torch

from lm.checkpoints import load_folder, save
from lm.data import singletons, window_count
from lm.hub.card import model_card
from lm.lesson.counting import counting_figures
from lm.lesson.novelty import NGRAM_LENGTH, NgramIndex
from lm.model import LSTMLanguageModel, LSTMState
from lm.runtime import pick_device, reuse_freed_memory, seed_everything, use_bf16
from lm.sampling import generate
from lm.scoring import DEFAULT_EVAL_BPTT, evaluate
from lm.training import distributed, snapshots
from lm.training.config import TrainConfig
from lm.training.optimization import averaged_weights, averaging_is_due, learning_rate, make_optimizer, window_scale
from lm.training.regularization import training_loss
from lm.training.resume import ResumeState, load_state, remove_state, restore_rng, rng_states, save_state
from lm.training.run import Prepared, Run, TrainEvent, check_space, check_writable, final_metrics, prepare

SAMPLE_TOKENS = 60  # length of the sample after each epoch
STEP_EVENT_EVERY = 10  # steps between two step events


class TrainingDiverged(ValueError):
    """The loss became NaN or infinite; the last good checkpoint is kept."""


class TrainingInterrupted(RuntimeError):
    """The run was paused on request and saved a resumable state."""


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
        run = start_run(config, out, prepared, resume)
        if callback is not None and run.is_main:  # rank 0 alone reports and writes
            run.report = callback
        run.should_stop = should_stop or run.should_stop
        run.should_pause = should_pause or run.should_pause
        run.command, run.sample_prompt = command or run.command, sample_prompt
        return finish(run, run_epochs(run))


def start_run(config: TrainConfig, out: str | Path, prepared: Prepared | None, resume: bool) -> Run:
    """Data, model, optimiser and schedule, fresh or as a pause left them."""
    seed_everything(config.seed)
    device = pick_device(config.device)
    group = distributed.from_environment(device)
    if group is None or group.is_main:
        check_writable(out)
    data = prepared or prepare(config)
    rare = singletons(data.ids["train"], len(data.tokenizer)) if config.unknown_word_rate else None
    model = (copy.deepcopy(data.parent) if data.parent is not None  # fine-tuning
             else LSTMLanguageModel(config.model_config(len(data.tokenizer)))).to(device)
    run = Run(config, Path(out), data, device, group, model, rare, use_bf16(config.precision, device),
              config.regularization())
    run.total_steps = window_count(run.training_rows(1), config.bptt) * config.epochs
    if run.is_main:
        check_space(out, 4 * 4 * model.parameter_count())  # best weights + resumable state
    if group is not None:
        torch.manual_seed(config.seed + 1 + group.rank)  # same initial weights, different dropout masks per rank
    paused = load_state(out) if resume else None
    if paused is not None:
        run.progress = paused.progress
    run.started = time.perf_counter() - run.progress.elapsed
    run.optimizer = make_optimizer(config, model.parameters(), averaging=bool(run.progress.averaging_from_epoch))
    if paused is not None:
        run.optimizer.load_state_dict(paused.optimizer)
        restore(run, paused)
    return run


def restore(run: Run, paused: ResumeState) -> None:
    """Weights, carried state, random state and best weights as the pause left them."""
    if run.progress.processes != run.processes:
        raise ValueError(f"this run was paused with {run.progress.processes} process(es) and is resumed with "
                         f"{run.processes}; resume it with the same number (torchrun --nproc_per_node)")
    run.model.load_state_dict(paused.model)
    carried = tuple(tensor.to(run.device) for tensor in paused.carried_state) if paused.carried_state else None
    rng = paused.rng
    if run.group is not None:  # this rank's rows and random state
        carried = None if carried is None else tuple(run.group.rows(tensor, dim=1) for tensor in carried)
        rng = {name: value[run.group.rank].clone() for name, value in rng.items()}  # a row of its own, not a view
    run.carried = carried
    if run.progress.best_epoch:
        run.best_state = copy.deepcopy(load_folder(run.out)[0].to(run.device).state_dict())
    restore_rng(rng, run.device)
    run.command = paused.command


def run_epochs(run: Run) -> bool:
    """Train epoch after epoch; True when the time budget or ``should_stop`` ended the run early."""
    for epoch in range(run.progress.epoch, run.config.epochs + 1):
        run.progress.epoch = epoch
        stopped = train_epoch(run)
        end_epoch(run)
        if stopped:
            return True
        if run.should_pause() and epoch < run.config.epochs and run.group is None:
            run.progress.epoch = epoch + 1
            pause(run, 0, None)
    return False


def train_epoch(run: Run) -> bool:
    """One pass over the rows, from where a pause left off; True when the run must stop."""
    progress = run.progress
    run.model.train()
    run.epoch_started = time.perf_counter()
    state, run.carried = run.carried, None
    for position, inputs, targets in run.windows(progress.epoch):  # inputs and targets (B, T)
        if position < progress.position:  # resuming: these windows were done before the pause
            continue
        if state is not None:
            state = tuple(tensor.detach() for tensor in state)
        if run.config.fresh_state_rate and float(torch.rand(())) < run.config.fresh_state_rate:
            state = None  # this window starts afresh, as sampling from a prompt does
        state, stop, pausing = train_step(run, inputs, targets, state)
        if pausing:
            pause(run, position + inputs.size(1), state)
        if stop:
            return True
    return False


def train_step(run: Run, inputs: torch.Tensor, targets: torch.Tensor,
               state: LSTMState | None) -> tuple[LSTMState, bool, bool]:
    """One window: forward, loss, backward, clip, step. Returns the state to
    carry into the next window, whether to stop and whether to pause."""
    config, progress = run.config, run.progress
    loss, penalty, state = training_loss(run.model, inputs, targets, state, run.regularization, run.bf16)
    loss_value = loss.item()
    if run.group is None and not math.isfinite(loss_value):
        raise diverged(run, loss_value)
    run.optimizer.zero_grad(set_to_none=True)
    (loss + penalty).backward()
    stop, pausing = agree(run, loss_value)
    torch.nn.utils.clip_grad_norm_(run.model.parameters(), config.clip)
    rate = learning_rate(config, run)  # the schedule's rate where the run stands
    for group in run.optimizer.param_groups:
        group["lr"] = rate * window_scale(config, inputs.size(1))
    run.optimizer.step()
    progress.step += 1
    progress.tokens_seen += targets.numel() * run.processes
    progress.epoch_loss += loss_value * targets.numel()
    progress.epoch_tokens += targets.numel()
    if progress.step % STEP_EVENT_EVERY == 0:
        run.report(TrainEvent("step", progress.epoch, progress.step, run.fraction(), run.elapsed(),
                              progress.epoch_tokens / max(time.perf_counter() - run.epoch_started, 1e-9),
                              train_loss=loss_value, learning_rate=rate))
    return state, stop, pausing


def agree(run: Run, loss_value: float) -> tuple[bool, bool]:
    """Whether to stop (time budget or ``should_stop``) and whether to pause.
    Under torchrun, the collective that averages the gradients also tells
    every process whether any process must stop, diverged or pauses."""
    stop = bool(run.out_of_time() or run.should_stop())
    pausing = run.should_pause()
    if run.group is not None:
        stop, any_diverged, pausing = run.group.average_gradients(
            list(run.model.parameters()), (stop, not math.isfinite(loss_value), pausing))
        if any_diverged:
            raise diverged(run, "NaN or infinite on a process")
    return stop, pausing


def diverged(run: Run, value: float | str) -> TrainingDiverged:
    return TrainingDiverged(
        f"the training loss became {value} at epoch {run.progress.epoch}, step {run.progress.step + 1}; stopped. "
        f"The last good checkpoint in {run.out} is kept. Try a lower --learning-rate (now "
        f"{run.config.learning_rate:g}) or --clip (now {run.config.clip:g})")


def end_epoch(run: Run) -> None:
    """Validate, keep the best weights, start NT-ASGD's averaging when due,
    step the schedule, and report the epoch (with a sample when asked)."""
    config, progress = run.config, run.progress
    valid = score(run, "valid")
    improved = valid["loss"] < progress.best_loss
    if improved:
        progress.best_loss, progress.best_epoch, progress.best_valid = valid["loss"], progress.epoch, valid
        with averaged_weights(run.optimizer):
            run.best_state = copy.deepcopy(run.model.state_dict())
            if run.is_main:
                save(run.out, run.model, run.data.tokenizer)
    row = {"epoch": progress.epoch, "train_loss": progress.epoch_loss / max(progress.epoch_tokens, 1),
           "valid_loss": valid["loss"], "valid_accuracy": valid["accuracy"], "tokens_seen": progress.tokens_seen}
    progress.history.append(row)
    if run.is_main and snapshots.due(run.snapshot_points, row["epoch"], run.fraction(), progress.snapshots):
        with averaged_weights(run.optimizer):  # the weights NT-ASGD would save
            progress.snapshots.append(snapshots.keep(run.out, run.model, row))
    if (config.optimizer == "nt-asgd" and not progress.averaging_from_epoch
            and averaging_is_due([earlier["valid_loss"] for earlier in progress.history], config.nonmono)):
        progress.averaging_from_epoch = progress.epoch + 1  # averaged SGD from the peak rate on
        run.optimizer = make_optimizer(config, run.model.parameters(), averaging=True)
    row.update(learning_rate=learning_rate(config, run), elapsed=run.elapsed())  # the next epoch's: a plateau halves it
    tokens_per_second = progress.epoch_tokens / max(time.perf_counter() - run.epoch_started, 1e-9)
    progress.position, progress.epoch_loss, progress.epoch_tokens = 0, 0.0, 0
    sample = None
    if run.sample_prompt is not None:
        sample = generate(run.model, run.data.tokenizer, run.sample_prompt, temperatures=[0.8],
                          max_new_tokens=SAMPLE_TOKENS, seed=progress.epoch).texts[0]
    run.report(TrainEvent("epoch", progress.epoch, progress.step, run.fraction(), row["elapsed"], tokens_per_second,
                          train_loss=row["train_loss"], valid_loss=valid["loss"], learning_rate=row["learning_rate"],
                          improved=improved, metrics=valid, sample=sample))


def score(run: Run, split: str) -> dict:
    """Figures on ``split`` with the weights NT-ASGD would save."""
    with averaged_weights(run.optimizer):
        return measure(run, split)


def measure(run: Run, split: str) -> dict:
    """Figures on ``split`` with the model's weights as they stand (the
    best epoch's, once ``finish`` has put them back)."""
    figures = evaluate(run.model, run.data.ids[split], run.config.eval_batch_size, DEFAULT_EVAL_BPTT)
    if run.data.tokenizer.level == "char":
        figures["bits_per_char"] = figures["bits_per_token"]
    return figures


def pause(run: Run, position: int, state: LSTMState | None) -> None:
    """Save a resumable state (rank 0, for every process) and raise ``TrainingInterrupted``."""
    progress = run.progress
    progress.position, progress.elapsed, progress.processes = position, run.elapsed(), run.processes
    rng = rng_states(run.device)
    if run.group is not None:  # rank 0 saves every rank's rows of the carried state and random state
        state = None if state is None else tuple(run.group.all_rows(tensor, dim=1) for tensor in state)  # (L, B, H)
        rng = {name: run.group.all_rows(value[None].to(run.device)).cpu() for name, value in rng.items()}  # (world, n)
    if run.is_main:
        save_state(run.out, ResumeState(asdict(run.config), run.command, progress, run.model.state_dict(),
                                        run.optimizer.state_dict(), state, rng))
    raise TrainingInterrupted(
        f"paused at epoch {progress.epoch}, step {progress.step}; the state is saved in {run.out}")


def finish(run: Run, stopped_early: bool) -> dict:
    """Score the best weights on test, save the final checkpoint with its card, report ``done``."""
    run.model.load_state_dict(run.best_state)
    wall_seconds = run.elapsed()  # before the test split is scored
    if snapshots.parse_snapshots(run.config.snapshots)[1]:
        run.progress.snapshots = snapshots.with_final(run.out, run.progress.snapshots,
                                                      run.progress.history[run.progress.best_epoch - 1])
    metrics = final_metrics(run, stopped_early, wall_seconds, measure(run, "test"))
    if run.config.corpus == "human-numbers" and run.data.tokenizer.level == "word":  # can it count? (the card says)
        metrics["counting"] = [result.to_json() for result in counting_figures(run.model, run.data.tokenizer)]
    if run.is_main:
        save(run.out, run.model, run.data.tokenizer, metrics, model_card(metrics))
        NgramIndex.build(run.data.ids["train"], NGRAM_LENGTH[run.data.tokenizer.level]).save(run.out)
        remove_state(run.out)
    if run.group is not None:
        run.group.close()
    run.report(TrainEvent("done", len(run.progress.history), run.progress.step, 1.0, metrics["wall_seconds"], 0.0,
                          valid_loss=metrics["valid"]["loss"], metrics=metrics))
    return metrics
