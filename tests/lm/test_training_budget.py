"""The budget picker: settings from measured throughput (``lm.training.budget``), and
the probe that measures it (``lm.training.probe``) as ``plan_run`` uses them."""

from __future__ import annotations

import pytest

import lm.training.probe
from lm.training.budget import (
    CANDIDATES,
    CHAR_LEVEL,
    MIN_PROBE_MINUTES,
    PROBE_SHARE,
    Measurement,
    Probe,
    describe,
    pick_settings,
    recipe_for,
    recurrent_parameters,
)
from lm.training.planning import plan_run
from tests.support.paths import REPO

# Tokens/s of each candidate, smallest first: a 2-core CPU (what the probe measured here on a quiet machine, and
# the races' slower figures) and a GPU, where larger batches keep the device busier.
CPU_CHAR = [180_000, 113_000, 75_000, 21_000, 5_000, 3_000]
RACE_CHAR = [120_000, 65_000, 45_000, 13_000, 3_000, 2_000]
CPU_WORD = [15_600, 12_000, 9_000, 5_600, 1_500, 900]
GPU = [700_000, 650_000, 600_000, 1_200_000, 1_000_000, 700_000]


def measured(level: str, rates: list[float], scale: float = 1.0) -> list[Measurement]:
    return [Measurement(candidate, rate * scale) for candidate, rate in zip(CANDIDATES[level], rates)]


def size(settings: dict) -> int:
    return recurrent_parameters(settings)


@pytest.mark.parametrize("level, rates, corpus_tokens", [
    ("char", CPU_CHAR, 1_000_000), ("char", GPU, 1_000_000), ("char", GPU, 100_000_000),
    ("word", CPU_WORD, 250_000), ("word", GPU, 250_000), ("word", GPU, 100_000_000),
])
def test_a_slower_device_never_gets_a_larger_model(level, rates, corpus_tokens):
    sizes = [size(pick_settings(level, measured(level, rates, scale), 600.0, corpus_tokens))
             for scale in (10.0, 1.0, 0.5, 0.2, 0.05, 0.01)]
    assert sizes == sorted(sizes, reverse=True), sizes
    assert sizes[0] > sizes[-1]  # the speed did change the pick


@pytest.mark.parametrize("level, rates, seconds, corpus_tokens", [
    ("char", CPU_CHAR, 128.0, 1_000_000), ("char", GPU, 128.0, 1_000_000), ("char", CPU_CHAR, 1800.0, 1_000_000),
    ("word", CPU_WORD, 356.0, 250_000), ("word", GPU, 356.0, 2_500_000),
])
def test_a_ten_times_smaller_corpus_gets_more_regularisation_or_a_smaller_model(level, rates, seconds, corpus_tokens):
    large = pick_settings(level, measured(level, rates), seconds, corpus_tokens)
    small = pick_settings(level, measured(level, rates), seconds, corpus_tokens // 10)
    assert size(small) < size(large) or small["dropout"] > large["dropout"], (large, small)


def test_a_word_corpus_with_a_few_dozen_words_gets_the_small_vocabulary_recipe():
    """Human Numbers (32 words, 50,081 training tokens) on one thread: 1 x 256 with AdamW, not AWD-LSTM's SGD."""
    assert recipe_for("word", 32) == "small-vocabulary"
    assert recipe_for("word", 11_501) == "word" and recipe_for("char", 67) == "char"
    picked = pick_settings("small-vocabulary", measured("small-vocabulary", [348_000, 127_000, 40_000, 12_000]),
                           59.0, 50_081)
    assert (picked["num_layers"], picked["hidden_size"], picked["embedding_size"]) == (1, 256, 32)
    assert picked["optimizer"] == "adamw" and picked["unknown_word_rate"] == 0


@pytest.mark.parametrize("rates", [CPU_CHAR, RACE_CHAR])
def test_on_the_2_core_cpu_the_char_pick_is_the_races_row(rates):
    """2.17 minutes of Tiny Shakespeare characters: 1 x 512, batch 32 x 64, lr 5e-3, no dropout."""
    picked = pick_settings("char", measured("char", rates), 128.0, 1_003_854)
    assert picked == dict(CHAR_LEVEL[0][1], epochs=picked["epochs"])


def test_on_the_2_core_cpu_the_word_pick_is_the_races_recipe():
    """6 minutes of Tiny Shakespeare words: the tied 1 x 256 with the AWD-LSTM dropouts of the race."""
    picked = pick_settings("word", measured("word", CPU_WORD), 356.0, 250_514)
    assert (picked["num_layers"], picked["hidden_size"], picked["batch_size"], picked["bptt"]) == (1, 256, 20, 35)
    assert picked["optimizer"] == "nt-asgd" and picked["tie_weights"] and picked["locked_dropout"]
    assert picked["dropout"] == pytest.approx(0.3, abs=0.02) and picked["weight_drop"] == pytest.approx(0.2, abs=0.03)


def test_a_fast_device_gets_a_larger_model_with_a_lower_rate_and_more_dropout():
    cpu = pick_settings("char", measured("char", CPU_CHAR), 128.0, 1_003_854)
    gpu = pick_settings("char", measured("char", GPU), 128.0, 1_003_854)
    assert size(gpu) > size(cpu) and gpu["learning_rate"] < cpu["learning_rate"] and gpu["dropout"] > cpu["dropout"]


def fake_probe(seconds: float = 3.0):
    def probe_budget(settings: dict, level: str) -> Probe:
        return Probe(level, "cpu", "fp32", 60 * settings["max_minutes"], seconds, 1_000_000,
                     tuple(measured(level, GPU if level == "char" else CPU_WORD)))
    return probe_budget


def test_explicit_settings_win_over_the_probes_pick(monkeypatch, tiny_shakespeare):
    monkeypatch.setattr(lm.training.probe, "probe_budget", fake_probe(seconds=3.0))
    plan = plan_run({"text_file": str(tiny_shakespeare), "level": "char", "max_minutes": 3.0, "hidden_size": 96,
                     "dropout": 0.05, "learning_rate": 1e-3})
    config = plan.config
    assert (config.hidden_size, config.dropout, config.learning_rate) == (96, 0.05, 1e-3)
    assert config.num_layers == plan.probe.pick()["num_layers"] > 1  # what was not given is the pick's
    assert config.max_minutes == pytest.approx(3.0 - 3.0 / 60)  # the probe's time is taken from the budget
    assert "(your --dropout, --hidden-size, --learning-rate kept)" in plan.picked


def test_below_the_minimum_budget_the_table_is_used_and_nothing_is_probed(monkeypatch, tiny_shakespeare):
    def no_probe(settings: dict, level: str):
        raise AssertionError("no probe below the minimum budget")

    monkeypatch.setattr(lm.training.probe, "probe_budget", no_probe)
    minutes = MIN_PROBE_MINUTES - 0.5
    plan = plan_run({"text_file": str(tiny_shakespeare), "level": "char", "max_minutes": minutes})
    assert plan.probe is None and plan.config.max_minutes == minutes
    assert plan.config.hidden_size == CHAR_LEVEL[0][1]["hidden_size"] and "tokens/s" not in plan.picked


def test_a_real_probe_on_the_cpu_takes_at_most_its_share_of_the_budget(tmp_path):
    text = "".join((REPO / name).read_text(encoding="utf-8") for name in ("README.md", "docs/architecture.md"))
    path = tmp_path / "notes.txt"
    path.write_text(text)
    minutes = MIN_PROBE_MINUTES
    plan = plan_run({"text_file": str(path), "level": "char", "max_minutes": minutes, "device": "cpu"})
    probe = plan.probe
    assert probe is not None and probe.device == "cpu" and probe.measurements
    assert 0 < probe.seconds <= PROBE_SHARE * 60 * minutes
    assert plan.config.max_minutes == pytest.approx(minutes - probe.seconds / 60)
    first = probe.measurements[0]
    assert first.settings == CANDIDATES["char"][0] and first.tokens_per_second > 0
    assert f"{first.tokens_per_second:,.0f} tokens/s" in probe.describe()
    assert probe.describe().startswith(f"probe: {probe.seconds:.1f} s of the {60 * minutes:g} s budget on cpu")
    assert "passes over the corpus" in plan.picked


@pytest.mark.parametrize("locked_dropout", [False, True])
def test_the_picked_line_names_weight_decay_with_either_dropout(locked_dropout):
    settings = dict(num_layers=2, hidden_size=512, embedding_size=64, dropout=0.4, locked_dropout=locked_dropout,
                    weight_decay=0.1, batch_size=32, bptt=128, optimizer="adamw", learning_rate=3e-3, schedule="cosine")
    line = describe(settings)
    assert "weight decay 0.1" in line and ("locked dropout 0.4" in line) == locked_dropout
