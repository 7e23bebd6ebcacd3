"""The training loop: ``train.py`` end to end, NT-ASGD's saved weights, bad
flags, the time budget, and the unknown-word rate."""

import json
import random
import subprocess
import sys

import pytest

import lm
from lm.training.config import config_from
from lm.training import train
from tests.support.corpora import write_corpus
from tests.support.paths import REPO

pytestmark = pytest.mark.slow


def run(*arguments: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *arguments], cwd=REPO, capture_output=True, text=True, timeout=timeout)


def test_train_cli_end_to_end_then_evaluate_reproduces_the_figure(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    out = tmp_path / "model"
    result = run("train.py", "--text-file", str(corpus), "--level", "word", "--epochs", "3", "--hidden-size", "32",
                 "--embedding-size", "16", "--batch-size", "4", "--bptt", "8", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "epoch   3 | train loss" in result.stdout and "test loss" in result.stdout
    assert "\r" not in result.stdout + result.stderr  # no progress bar redrawn into a log file
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["history"][-1]["train_loss"] < metrics["history"][0]["train_loss"]
    assert metrics["command"].startswith("python train.py --text-file")
    assert "# LSTM language model" in (out / "README.md").read_text()
    evaluated = run("-m", "lm", "evaluate", str(out), "--text-file", str(corpus), "--split", "test")
    assert evaluated.returncode == 0, evaluated.stderr
    assert "RuntimeWarning" not in evaluated.stderr  # nothing in lm imports the CLI module before runpy
    assert json.loads(evaluated.stdout)["loss"] == pytest.approx(metrics["test"]["loss"], rel=1e-6)
    model, tokenizer = lm.load(out)
    assert tokenizer.level == "word" and model.hidden_size == 32


def test_nt_asgd_scores_test_with_the_weights_it_saves(tmp_path):
    """An NT-ASGD run whose best epoch comes before its last: the recorded
    test figure is the saved checkpoint's, not the averaged weights' of the
    last epoch."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    words = [f"w{index}" for index in range(12)]
    for split, seed, count, repeat in (("train", 1, 60, 20), ("valid", 2, 400, 1), ("test", 3, 400, 1)):
        generator = random.Random(seed)  # valid and test follow no pattern of train's: the model overfits
        line = " ".join(generator.choice(words) for _ in range(count))
        (corpus / f"{split}.txt").write_text("\n".join([line] * repeat) + "\n", encoding="utf-8")
    # <eos> after every line (whitespace), so each repeated line is a sequence of its own to learn by heart
    config = config_from(corpus=None, text_file=str(corpus), level="word", tokenizer="whitespace", optimizer="nt-asgd",
                         nonmono=1,
                         learning_rate=10, epochs=12, hidden_size=64, embedding_size=16, num_layers=1, dropout=0.0,
                         batch_size=4, bptt=8, schedule="constant")
    metrics = train(config, tmp_path / "model")
    assert metrics["averaging_from_epoch"] <= metrics["best_epoch"] < metrics["epochs"]
    evaluated = run("-m", "lm", "evaluate", str(tmp_path / "model"), "--text-file", str(corpus), "--split", "test")
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["loss"] == pytest.approx(metrics["test"]["loss"], rel=1e-6)


def test_bad_flags_are_refused_with_a_clear_message(tmp_path):
    result = run("train.py", "--corpus", "human-numbers", "--dropout", "1.5", "--out", str(tmp_path / "x"))
    assert result.returncode == 2 and "dropout must be in [0, 1), got 1.5" in result.stderr
    result = run("train.py", "--corpus", "nope", "--out", str(tmp_path / "x"))
    assert result.returncode == 2 and "known corpora are" in result.stderr


def test_time_budget_stops_cleanly_and_keeps_the_best_model(tmp_path):
    config = config_from("human-numbers", epochs=1000, max_minutes=0.05, hidden_size=32, embedding_size=16)
    events = []
    metrics = train(config, tmp_path, callback=events.append)
    assert metrics["stopped_early"] and metrics["epochs"] < 1000
    assert metrics["wall_seconds"] < 30
    assert [event.kind for event in events][-1] == "done"
    model, _ = lm.load(tmp_path)
    assert model.hidden_size == 32


def test_unknown_word_rate_teaches_the_model_that_unseen_words_come(tmp_path):
    # Every line names someone new: in train each name is seen once, in valid never.
    folder = tmp_path / "names"
    folder.mkdir()
    for split, start, count in (("train", 0, 400), ("valid", 1000, 40), ("test", 2000, 40)):
        lines = [f"then came name{index} and sat down ." for index in range(start, start + count)]
        (folder / f"{split}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    unknown_losses = {}
    for rate in (0.0, 0.5):
        config = config_from(None, corpus=None, text_file=str(folder), level="word", hidden_size=32,
                             embedding_size=16, batch_size=4, bptt=8, epochs=4, unknown_word_rate=rate,
                             learning_rate=1e-2)
        train(config, tmp_path / f"rate{rate}")
        model, tokenizer = lm.load(tmp_path / f"rate{rate}")
        scores = lm.score(model, tokenizer, "then came name1001 and sat down .")  # name1001 -> <unk>
        unknown_losses[rate] = -scores.log_probabilities[scores.pieces.index("<unk>")]
    assert unknown_losses[0.0] > 5  # never shown <unk>, the model rules it out
    assert unknown_losses[0.5] < 3  # shown it, the model expects a new name after "came" (ideal: ln 2)
