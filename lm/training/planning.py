"""Which config a training command gets: ``plan_run`` turns the settings
someone gave (``train.py``'s flags, the studio's Train form) into one
``TrainConfig`` and says how it was chosen:

    settings ──▶ resume_from? ──▶ the interrupted run's own config
             ──▶ init_from?   ──▶ fine-tuning: the parent's shape, a gentler rate
             ──▶ max_minutes? ──▶ a budget pick (lm.training.budget), after a throughput probe (lm.training.probe)
             ──▶ otherwise    ──▶ a preset (or the corpus's own), then the settings

It sits above ``lm.training.config`` (what a config is) and ``lm.training.probe`` (which trains
candidate models to time them), so neither imports the other's caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import lm.training.probe

from lm.corpora import default_level
from lm.hub import load
from lm.runtime import pick_device, use_bf16
from lm.training.budget import MIN_PROBE_MINUTES, Probe, describe, settings_for_budget
from lm.training.config import FINE_TUNING, MODEL_FIELDS, PRESETS, TrainConfig, config_from
from lm.training.resume import STATE_JSON, has_state, load_state


@dataclass(frozen=True)
class Plan:
    """The config a run gets and how it was chosen."""

    config: TrainConfig
    preset: str | None = None  # the preset applied, if any
    command: str | None = None  # a resumed run's own command line
    picked: str | None = None  # a budget pick, said in one line
    probe: Probe | None = None  # the throughput probe the budget pick was made from

    @property
    def said(self) -> list[str]:
        """What to tell the user about how the config was chosen: the probe's line, then the pick's."""
        return [line for line in (self.probe and self.probe.describe(), self.picked) if line]


def plan_run(settings: dict, preset: str | None = None, resume_from: str | Path | None = None,
             probe: bool = True) -> Plan:
    """The config for ``settings`` (the fields given explicitly) and ``preset``:

    - with ``resume_from``, the interrupted run's own config (nothing else may be given);
    - with ``init_from``, fine-tuning: the parent's shape and tokenizer, a lower learning rate and a short warm-up;
    - with a time budget and no preset, settings picked for the budget, the given ones kept (from
      ``MIN_PROBE_MINUTES`` on, after a throughput probe of this machine whose time the budget pays);
    - otherwise the preset, or a named corpus's own preset, then the settings.

    A text file without a corpus name trains on that text alone. Messages
    name ``train.py``'s flags."""
    if resume_from is not None:
        if settings or preset:
            raise ValueError("--resume takes only --out (and --push-to-hub): the run continues with its own settings")
        return _resumed(resume_from)
    settings = dict(settings)
    if preset is None and "corpus" not in settings and "text_file" in settings:
        settings["corpus"] = None
    if settings.get("init_from"):
        return _fine_tuning(settings, preset)
    if preset is None and "max_minutes" in settings:
        return _budget_pick(settings, probe)
    if preset is None and settings.get("corpus") in PRESETS:
        preset = settings["corpus"]
    return Plan(config_from(preset, **settings), preset)


def _resumed(out: str | Path) -> Plan:
    if not has_state(out):
        raise ValueError(f"{out} holds no interrupted run to resume ({STATE_JSON} is missing)")
    state = load_state(out)
    return Plan(TrainConfig(**state.config), command=state.command)


def _fine_tuning(settings: dict, preset: str | None) -> Plan:
    """Start from a checkpoint: its shape and tokenizer are kept, so any
    other shape or tokenization asked for is refused by name."""
    if preset is not None:
        raise ValueError("--init-from takes no --preset: the parent checkpoint sets the model")
    parent = settings["init_from"]
    model, tokenizer = load(parent)
    kept = {**{name: getattr(model.config, name) for name in MODEL_FIELDS},
            "level": tokenizer.level, "tokenizer": tokenizer.rule}
    clashes = [f"--{name.replace('_', '-')} {settings[name]} (it has {value})" for name, value in kept.items()
               if name in settings and settings[name] != value]
    if clashes:
        raise ValueError(f"fine-tuning keeps {parent}'s shape and tokenizer; drop {', '.join(clashes)}")
    budget = {"epochs": 10_000} if "max_minutes" in settings else {}  # the budget, not the epochs, ends the run
    config = config_from(None, **{**FINE_TUNING, **budget, **kept, **settings})
    return Plan(config, picked=f"fine-tuning {parent} ({model.parameter_count():,} parameters, {tokenizer.level} "
                               f"level): lr {config.learning_rate:g}, {config.schedule} after {config.warmup_steps} "
                               "warm-up steps")


def _budget_pick(settings: dict, allow_probe: bool = True) -> Plan:
    """Given a time budget, the trainer picks the model and optimiser for it:
    from a throughput probe on this machine when the budget allows one (its
    time is taken from the budget), else from the table; the given settings are kept."""
    level = settings.get("level") or default_level(settings.get("corpus"))
    minutes = settings["max_minutes"]
    probe = None
    if allow_probe and minutes >= MIN_PROBE_MINUTES:
        probe = lm.training.probe.probe_budget(settings, level)  # looked up here, so a test can stand in for it
    measured = probe is not None and bool(probe.measurements)
    if probe is not None:
        settings = {**settings, "max_minutes": probe.training_seconds / 60}
    chosen = probe.pick() if measured else settings_for_budget(level, minutes)
    config = config_from(None, **{**chosen, **settings})
    kept = sorted(set(chosen) & set(settings))
    precision = "bf16" if use_bf16(config.precision, pick_device(config.device)) else "fp32"
    flags = ", ".join("--" + name.replace("_", "-") for name in kept)
    reshaped = any(name in settings for name in MODEL_FIELDS)  # the probe's expectation is for its own pick's shape
    expectation = f"; {probe.expectation()}" if measured and not reshaped else ""
    picked = (f"budget {minutes:g} min, {level} level: picked {describe({**chosen, **settings})}"
              + (f" (your {flags} kept)" if kept else "") + f"{expectation}; {precision} matrix products")
    return Plan(config, picked=picked, probe=probe)
