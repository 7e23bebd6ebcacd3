"""Optimisers and schedules: NT-ASGD's trigger and averages, the schedule
shapes, the plateau rule (ReduceLROnPlateau's), and a step's rate."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest
import torch

from lm.training.config import config_from
from lm.model import LSTMLanguageModel
from lm.training.optimization import (
    averaged_weights,
    averaging_is_due,
    learning_rate,
    make_optimizer,
    plateau_halvings,
    schedule_scale,
    window_scale,
)


@pytest.fixture
def model():
    torch.manual_seed(0)
    return LSTMLanguageModel(30, embedding_size=8, hidden_size=16, num_layers=3, dropout=0.0)


@dataclass
class FakeRun:
    """The progress a schedule reads, set by hand."""

    step: int = 0
    total_steps: int = 100
    valid_losses: list[float] = field(default_factory=list)

    def fraction(self) -> float:
        return self.step / self.total_steps

    def steps_taken(self) -> int:
        return self.step

    def plateau_losses(self) -> list[float]:
        return self.valid_losses


def test_schedules():
    assert schedule_scale("cosine", 0.0, 0, 10) == pytest.approx(0.1)
    assert schedule_scale("cosine", 0.5, 100, 10) == pytest.approx(0.505)
    assert schedule_scale("cosine", 1.0, 1000, 10) == pytest.approx(0.01)
    curve = [schedule_scale("one-cycle", progress / 100, 0, 0) for progress in range(101)]
    assert curve[0] == pytest.approx(0.04) and max(curve) == pytest.approx(1.0, abs=1e-3)
    assert curve.index(max(curve)) == 30 and curve[-1] == pytest.approx(1e-4)
    assert all(a <= b for a, b in zip(curve[:30], curve[1:31])) and all(a >= b for a, b in zip(curve[30:], curve[31:]))
    assert schedule_scale("plateau", 0.7, 5, 0) == 1.0


def test_nt_asgd_starts_averaging_when_valid_stops_beating_older_epochs():
    assert not averaging_is_due([5.0, 4.0, 3.5, 3.2], nonmono=2)  # still improving
    assert not averaging_is_due([5.0, 4.0, 3.5], nonmono=2)  # too early to tell
    assert averaging_is_due([3.0, 4.0, 3.5, 3.2], nonmono=2)  # not better than epoch 1, two epochs on
    assert not averaging_is_due([3.0, 4.0, 3.5, 2.9], nonmono=2)  # a new best


def test_averaged_weights_swap_in_asgd_averages_and_back(model):
    optimizer = torch.optim.ASGD(model.parameters(), lr=0.1, t0=0, lambd=0.0)
    tokens = torch.randint(0, 30, (2, 5))
    for _ in range(3):
        optimizer.zero_grad()
        model(tokens)[0].sum().backward()
        optimizer.step()
    current = model.decoder.weight.detach().clone()
    average = optimizer.state[model.decoder.weight]["ax"].clone()
    assert not torch.equal(current, average)
    with averaged_weights(optimizer):
        assert torch.equal(model.decoder.weight, average)
    assert torch.equal(model.decoder.weight, current)


@pytest.mark.parametrize("seed", range(20))
def test_plateau_halvings_follow_reduce_lr_on_plateau(seed):
    generator = random.Random(seed)
    learning_rate = generator.choice([20.0, 1e-3, 3e-7])  # the last reaches ReduceLROnPlateau's 1e-8 floor
    losses = [round(generator.uniform(2.0, 3.0), 1) for _ in range(30)]  # ties included
    losses[5] = losses[4] * (1 - 0.5e-4)  # better, but by less than the threshold
    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=learning_rate)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)
    for epochs in range(1, len(losses) + 1):
        plateau.step(losses[epochs - 1])
        halved = learning_rate * 0.5 ** plateau_halvings(losses[:epochs], learning_rate)
        assert halved == optimizer.param_groups[0]["lr"], epochs


def test_the_learning_rate_reads_the_run(model):
    run = FakeRun()
    config = config_from(None, schedule="cosine", warmup_steps=10, learning_rate=1e-2)
    assert learning_rate(config, run) == pytest.approx(1e-3)  # the first warm-up step
    variable = config_from(None, schedule="cosine", warmup_steps=10, learning_rate=1e-2, variable_bptt=True, bptt=70)
    assert learning_rate(variable, run) * window_scale(variable, 35) == pytest.approx(5e-4)
    assert window_scale(config, 35) == 1.0
    run.step = 50
    assert learning_rate(config, run) == pytest.approx(1e-2 * schedule_scale("cosine", 0.5, 50, 10))


def test_a_plateau_halves_the_rate_of_the_next_epoch(model):
    run = FakeRun()
    config = config_from(None, schedule="plateau", optimizer="nt-asgd", learning_rate=20.0)
    optimizer = make_optimizer(config, model.parameters())
    assert isinstance(optimizer, torch.optim.SGD)
    for loss, rate in ((3.0, 20.0), (2.5, 20.0), (2.6, 10.0), (2.4, 10.0), (2.4, 5.0)):
        run.valid_losses.append(loss)
        assert learning_rate(config, run) == rate
    assert isinstance(make_optimizer(config, model.parameters(), averaging=True), torch.optim.ASGD)
