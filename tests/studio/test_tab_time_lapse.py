"""The time-lapse: one column per snapshot of a training run, each under its figure."""

import math

import pytest

from lm.training.config import config_from
from lm.training import train
from studio import forms
from studio.core import Studio
from studio.settings import AUTOMATIC, Settings
from studio.tabs.time_lapse import TimeLapse
from studio.html.time_lapse import plain_loss, read_so_far


def test_plain_units():
    assert plain_loss(math.log(2) * 2.5, "char") == "2.50 bits per character"
    assert plain_loss(math.log(80.0), "word") == "perplexity 80.0"
    assert read_so_far(1_200_000, "char") == "after 1,200,000 characters of training"


def test_one_column_per_snapshot_with_its_figure(tmp_path):
    config = config_from("human-numbers", epochs=3, hidden_size=16, embedding_size=16, snapshots="1,final")
    train(config, tmp_path / "checkpoints" / "numbers")
    train(config_from("human-numbers", epochs=1, hidden_size=8, embedding_size=8), tmp_path / "checkpoints" / "plain")
    studio = Studio(Settings.from_environment(tmp_path, environment={}))
    pages = list(TimeLapse(studio).view("numbers", "one . two .", 0.0, 12, 0))
    assert pages[0].count("…") == 2 and pages[-1].count('class="lm-lapse-column"') == 2
    assert 'data-snapshot="epoch-1"' in pages[-1] and "words of training" in pages[-1] and "perplexity" in pages[-1]
    assert pages[-1].count("one. two.") == 2
    with pytest.raises(Exception, match="kept no snapshots"):
        list(TimeLapse(studio).view("plain", "one .", 1.0, 5, 0))


def test_the_train_view_keeps_snapshots(tmp_path):
    settings = Settings.from_environment(tmp_path, environment={})
    request = forms.train_request("Human Numbers", None, "word", AUTOMATIC, 1, "mine", settings)
    assert request.config.snapshots.endswith("final")
