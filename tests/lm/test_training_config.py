"""TrainConfig and the presets: the settings of a run, checked."""

from __future__ import annotations

import pytest

from lm.training.config import TrainConfig, config_from
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
    (dict(fresh_state_rate=1.5), "fresh_state_rate must be in [0, 1], got 1.5"),
])
def test_bad_settings_are_refused_naming_the_value(settings, message):
    with pytest.raises(ValueError) as error:
        TrainConfig(**settings)
    assert str(error.value) == message


def test_presets_and_overrides():
    assert config_from("cnn-dailymail").num_layers == 3
    assert config_from("cnn-dailymail", num_layers=1).num_layers == 1
    with pytest.raises(ValueError, match="unknown preset"):
        config_from("gpt")
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        TrainConfig(batch_size=0)
