"""The policy that picks a run's config: presets, text files, time budgets, resume."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lm.training.config import PRESETS
from lm.training.planning import plan_run
from tests.support.paths import REPO


def run(*arguments: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *arguments], cwd=REPO, capture_output=True, text=True, timeout=timeout)


def test_a_named_corpus_brings_its_preset_and_explicit_settings_win():
    plan = plan_run({"corpus": "imdb", "epochs": 2})
    assert plan.preset == "imdb" and plan.config.min_freq == PRESETS["imdb"]["min_freq"] and plan.config.epochs == 2
    assert plan.picked is None and plan.command is None
    plan = plan_run({"epochs": 2}, preset="harry-potter")
    assert plan.preset == "harry-potter" and plan.config.corpus == "harry-potter"
    assert plan_run({}).preset is None  # the default corpus without its preset, as before


def test_a_text_file_alone_trains_on_that_text(tmp_path):
    plan = plan_run({"text_file": str(tmp_path)})
    assert plan.config.corpus is None and plan.preset is None


def test_a_time_budget_without_a_preset_picks_settings_and_keeps_the_given_ones():
    plan = plan_run({"corpus": "human-numbers", "max_minutes": 6.0, "hidden_size": 64})
    assert plan.preset is None
    assert plan.config.hidden_size == 64 and plan.config.tie_weights and plan.config.epochs == 10_000
    # 32 words: the small-vocabulary recipe (AdamW, a narrow tied embedding), not AWD-LSTM's
    assert plan.config.optimizer == "adamw" and plan.config.embedding_size == 32 and plan.config.unknown_word_rate == 0
    assert plan.picked.startswith("budget 6 min, word level: picked 1 x 64 LSTM, embedding 32 (tied)")  # the shape that trains
    assert "(your --hidden-size kept)" in plan.picked and plan.picked.endswith("matrix products")
    assert plan_run({"corpus": "tiny-shakespeare", "max_minutes": 2.0}).picked.startswith("budget 2 min, char level")
    with_preset = plan_run({"max_minutes": 6.0}, preset="human-numbers")
    assert with_preset.picked is None and with_preset.config.epochs == PRESETS["human-numbers"]["epochs"]


def test_resume_takes_the_runs_own_settings_only(tmp_path):
    with pytest.raises(ValueError, match="--resume takes only --out"):
        plan_run({"epochs": 3}, resume_from=tmp_path)
    with pytest.raises(ValueError, match="holds no interrupted run to resume"):
        plan_run({}, resume_from=tmp_path)


@pytest.mark.slow
def test_a_bare_time_budget_picks_settings_and_says_so(tmp_path):
    result = run("train.py", "--corpus", "human-numbers", "--max-minutes", "0.03", "--hidden-size", "64",
                 "--out", str(tmp_path / "model"))
    assert result.returncode == 0, result.stderr
    picked = [line for line in result.stdout.splitlines() if line.startswith("budget 0.03 min, word level: picked")]
    assert picked and "(your --hidden-size kept)" in picked[0] and "to the end of the budget" in picked[0]
    assert "words seen once shown as <unk> 50% of the time" in picked[0]
    metrics = json.loads((tmp_path / "model" / "metrics.json").read_text())
    assert metrics["config"]["hidden_size"] == 64 and metrics["config"]["tie_weights"]
    assert metrics["config"]["locked_dropout"] and metrics["stopped_early"]
