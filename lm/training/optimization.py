"""Optimisers and learning-rate schedules for training.

- AdamW, or NT-ASGD (Merity et al., 2017): plain SGD until the valid loss
  stops improving, then averaged SGD, whose running averages are the weights
  that are evaluated and saved (``averaged_weights``).
- The schedule: warm-up then cosine, one-cycle, halving on a valid plateau
  (the rule of ``ReduceLROnPlateau``), or constant. ``learning_rate`` reads
  it from the run's progress, so a time budget, a resumed run and a new
  optimiser all find the rate where the run stands; the training step sets
  it, times the step's window scale, right before ``optimizer.step()``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from typing import Protocol

import torch

from lm.training.config import TrainConfig

PLATEAU_FACTOR = 0.5  # a plateau halves the rate
PLATEAU_THRESHOLD = 1e-4  # a valid loss must beat the best by this fraction to count as better
PLATEAU_MIN_CHANGE = 1e-8  # ReduceLROnPlateau's eps: smaller changes are skipped


class RunProgress(Protocol):
    """What a schedule reads from the run it belongs to."""

    def fraction(self) -> float: ...  # of the whole run, by steps or by time budget

    def steps_taken(self) -> int: ...

    def plateau_losses(self) -> list[float]: ...  # valid losses since the optimiser started


def make_optimizer(config: TrainConfig, parameters: Iterable[torch.nn.Parameter],
                   averaging: bool = False) -> torch.optim.Optimizer:
    """AdamW; for NT-ASGD, plain SGD until averaging starts, then ASGD."""
    if config.optimizer == "adamw":
        return torch.optim.AdamW(parameters, lr=config.learning_rate, weight_decay=config.weight_decay)
    if averaging:
        return torch.optim.ASGD(parameters, lr=config.learning_rate, t0=0, lambd=0.0, weight_decay=config.weight_decay)
    return torch.optim.SGD(parameters, lr=config.learning_rate, weight_decay=config.weight_decay)


def learning_rate(config: TrainConfig, run: RunProgress) -> float:
    """The schedule's learning rate where ``run`` stands."""
    return config.learning_rate * schedule_factor(config, run)


def window_scale(config: TrainConfig, window_length: int) -> float:
    """With variable BPTT, a window shorter or longer than ``bptt`` takes a
    proportionally smaller or larger step."""
    return window_length / config.bptt if config.variable_bptt else 1.0


def schedule_factor(config: TrainConfig, run: RunProgress) -> float:
    """The schedule's learning rate as a fraction of ``config.learning_rate``."""
    if config.schedule == "plateau":
        return PLATEAU_FACTOR ** plateau_halvings(run.plateau_losses(), config.learning_rate)
    return schedule_scale(config.schedule, run.fraction(), run.steps_taken(), config.warmup_steps)


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


def plateau_halvings(valid_losses: Sequence[float], learning_rate: float) -> int:
    """How often ``ReduceLROnPlateau(factor=0.5, patience=0)`` halves
    ``learning_rate`` over these epochs: once for each epoch whose valid loss
    is not 0.01 % below the best before it, while a halving still changes the
    rate by more than 1e-8."""
    best, halvings = math.inf, 0
    for loss in valid_losses:
        if loss < best * (1 - PLATEAU_THRESHOLD):
            best = loss
        elif learning_rate * PLATEAU_FACTOR ** halvings * (1 - PLATEAU_FACTOR) > PLATEAU_MIN_CHANGE:
            halvings += 1
    return halvings


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
