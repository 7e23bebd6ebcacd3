"""The budget's throughput probe: before a run that was given only a time
budget, a few training steps of each of ``lm.training.budget``'s candidate shapes,
timed on the device and in the precision the run will use (``pick_device``,
``use_bf16``). Each step is the training loop's own: ``training_loss``, the
run's optimiser, clipping, and the loss read back, which waits for the device.

Candidates go smallest first. The probe stops at the first one too slow for
the budget (the larger ones are slower still) and before one whose steps
would not fit in what is left of its time, ``PROBE_SHARE`` of the budget. It
returns its figures; ``lm.training.budget.pick_settings`` picks from them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import torch

from lm.corpora import CorpusUnavailable
from lm.model import LSTMLanguageModel
from lm.runtime import pick_device, reuse_freed_memory, use_bf16
from lm.training.budget import (
    CANDIDATES,
    PROBE_SHARE,
    Measurement,
    Probe,
    fits_corpus,
    recipe_for,
    recurrent_parameters,
    sees_enough,
    settings_for_budget,
)
from lm.training.config import TrainConfig, config_from
from lm.training.distributed import started_processes
from lm.training.optimization import make_optimizer
from lm.training.regularization import training_loss
from lm.training.run import prepare

MIN_STEPS = 5  # per candidate: the first ones allocate memory and choose kernels
MIN_SECONDS = 0.1  # per candidate, so that a fast step is not a fluke of the clock


def probe_budget(settings: dict, level: str) -> Probe | None:
    """Time the candidates for a run of ``settings`` (the settings given,
    ``max_minutes`` among them) at ``level``. None under torchrun (each
    process would pick for itself) and when the corpus cannot be loaded here
    (the run then says why)."""
    if started_processes() > 1:
        return None
    minutes = settings["max_minutes"]
    config = config_from(None, **{**settings_for_budget(level, minutes), **settings})
    try:
        data = prepare(config)
    except (CorpusUnavailable, OSError):
        return None
    corpus_tokens = data.ids["train"].numel()
    recipe = recipe_for(level, len(data.tokenizer))
    candidates = [candidate for candidate in CANDIDATES[recipe] if fits_corpus(candidate, recipe, corpus_tokens)]
    device = pick_device(config.device)
    bf16 = use_bf16(config.precision, device)
    _start_device(device, bf16)
    budget = 60 * minutes
    started = time.perf_counter()

    def enough(measurement: Measurement) -> bool:
        return sees_enough(recipe, measurement, budget - (time.perf_counter() - started), corpus_tokens)

    configs = [(candidate, config_from(None, **{**settings, **candidate}))
               for candidate in candidates or CANDIDATES[recipe][:1]]
    deadline = started + 0.8 * PROBE_SHARE * budget  # a fifth of its share kept for a step a busy machine slows
    measurements = _time_candidates(configs, len(data.tokenizer), device, bf16, deadline, enough)
    return Probe(recipe, str(device), "bf16" if bf16 else "fp32", budget, time.perf_counter() - started, corpus_tokens,
                 tuple(measurements))


def _start_device(device: torch.device, bf16: bool) -> None:
    """One step of a tiny model, so that the one-time start of the device and
    its libraries (on a GPU, its context) is paid before the clock."""
    model = LSTMLanguageModel(2, embedding_size=8, hidden_size=8, num_layers=1).to(device).train()
    tokens = torch.zeros(1, 2, dtype=torch.long, device=device)  # (B, T)
    loss, _, _ = training_loss(model, tokens, tokens, None, None, bf16)
    loss.backward()
    loss.item()


def _time_candidates(configs: list[tuple[dict, TrainConfig]], vocab_size: int, device: torch.device, bf16: bool,
                     deadline: float, enough: Callable[[Measurement], bool]) -> list[Measurement]:
    """Each candidate's tokens/s, smallest first, until one is too slow
    (``enough`` says no), the next would overrun ``deadline`` or does not
    fit in the device's memory."""
    measurements, previous = [], None  # previous: (a step's cost, its seconds)
    with reuse_freed_memory():  # as training steps run
        for candidate, config in configs:
            cost = _step_cost(candidate, vocab_size)
            if previous is not None and time.perf_counter() + MIN_STEPS * previous[1] * cost / previous[0] > deadline:
                break
            try:
                rate, step_seconds = _time_steps(config, vocab_size, device, bf16, deadline)
            except torch.OutOfMemoryError:  # the larger ones will not fit either
                break
            measurements.append(Measurement(candidate, rate))
            if not enough(measurements[-1]):
                break
            previous = (cost, step_seconds)
    return measurements


def _time_steps(config: TrainConfig, vocab_size: int, device: torch.device, bf16: bool,
                deadline: float) -> tuple[float, float]:
    """(tokens/s, seconds) of ``config``'s fastest training step on random
    tokens, of at least ``MIN_STEPS`` unless ``deadline`` comes first. The
    fastest, because whatever else the machine does only ever slows a step
    down (on a shared 2-core CPU, now and then a hundredfold)."""
    model = LSTMLanguageModel(config.model_config(vocab_size)).to(device).train()
    optimizer = make_optimizer(config, model.parameters())
    regularization = config.regularization()
    generator = torch.Generator().manual_seed(config.seed)
    window = torch.randint(vocab_size, (config.batch_size, config.bptt + 1), generator=generator).to(device)  # (B, T + 1)
    inputs, targets = window[:, :-1], window[:, 1:]  # (B, T) each
    state, seconds = None, []
    while len(seconds) < MIN_STEPS or sum(seconds) < MIN_SECONDS:
        if seconds and time.perf_counter() + min(seconds) > deadline:
            break
        started = time.perf_counter()
        loss, penalty, state = training_loss(model, inputs, targets, state, regularization, bf16)
        optimizer.zero_grad(set_to_none=True)
        (loss + penalty).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip)
        optimizer.step()
        loss.item()
        state = tuple(tensor.detach() for tensor in state)
        seconds.append(time.perf_counter() - started)
    return config.batch_size * config.bptt / min(seconds), min(seconds)


def _step_cost(settings: dict, vocab_size: int) -> int:
    """Roughly what one training step costs: tokens times the weights each one goes through."""
    output_width = settings["embedding_size"] if settings.get("tie_weights") else settings["hidden_size"]
    return settings["batch_size"] * settings["bptt"] * (recurrent_parameters(settings) + vocab_size * output_width)
