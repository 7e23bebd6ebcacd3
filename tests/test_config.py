"""TrainConfig, presets and the policy that picks a run's config."""

from __future__ import annotations

import pytest

from lm.config import PRESETS, TrainConfig, config_from
from lm.planning import plan_run
from lm.model import ModelConfig


def test_the_model_shape_goes_to_model_config_in_one_place():
    config = config_from("human-numbers")
    assert config.model_config(vocab_size=40) == ModelConfig(40, embedding_size=32, hidden_size=256, num_layers=1,
                                                              dropout=0.1, tie_weights=True)


@pytest.mark.parametrize("settings, message", [
    (dict(hidden_size=0), "hidden_size must be an integer in [1, 8192], got 0"),  # ModelConfig's own check
    (dict(dropout=1.5), "dropout must be in [0, 1), got 1.5"),
    (dict(bptt=0), "bptt must be at least 1, got 0"),
    (dict(clip=0.0), "clip must be positive, got 0.0"),
    (dict(warmup_steps=-1), "warmup_steps must be at least 0, got -1"),
    (dict(schedule="linear"), "schedule must be one of ('plateau', 'cosine', 'one-cycle', 'constant'), got 'linear'"),
    (dict(corpus=None), "give a corpus name or a text file"),
])
def test_bad_settings_are_refused_naming_the_value(settings, message):
    with pytest.raises(ValueError) as error:
        TrainConfig(**settings)
    assert str(error.value) == message


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
    assert plan.picked.startswith("budget 6 min, word level: picked 1 x 256 LSTM, embedding 32 (tied)")
    assert "(your --hidden-size kept)" in plan.picked and plan.picked.endswith("matrix products")
    assert plan_run({"corpus": "tiny-shakespeare", "max_minutes": 2.0}).picked.startswith("budget 2 min, char level")
    with_preset = plan_run({"max_minutes": 6.0}, preset="human-numbers")
    assert with_preset.picked is None and with_preset.config.epochs == PRESETS["human-numbers"]["epochs"]


def test_resume_takes_the_runs_own_settings_only(tmp_path):
    with pytest.raises(ValueError, match="--resume takes only --out"):
        plan_run({"epochs": 3}, resume_from=tmp_path)
    with pytest.raises(ValueError, match="holds no interrupted run to resume"):
        plan_run({}, resume_from=tmp_path)
