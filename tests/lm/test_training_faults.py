"""Training under faults: interruption and exact resume, divergence, unwritable
output folders, and ``kill -9`` while checkpoints are written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import torch

import lm
from lm.training.config import config_from
from lm.training import TrainingDiverged, TrainingInterrupted, train
from lm.training.resume import STATE_JSON
from tests.support.corpora import write_corpus
from tests.support.paths import REPO


def tiny_config(corpus, **overrides):
    settings = dict(corpus=None, text_file=str(corpus), level="word", hidden_size=32, embedding_size=16,
                    batch_size=4, bptt=8, epochs=3, dropout=0.3, schedule="cosine", warmup_steps=5)
    return config_from(None, **{**settings, **overrides})


def step_losses(events) -> dict[int, float]:
    return {event.step: event.train_loss for event in events if event.kind == "step"}


@pytest.mark.parametrize("schedule, pause_after, tied", [("cosine", 33, False),
                                                       pytest.param("plateau", 80, False, marks=pytest.mark.slow),
                                                       ("cosine", 50, True)])
def test_a_paused_run_resumes_exactly(tmp_path, schedule, pause_after, tied):
    corpus = write_corpus(tmp_path / "corpus")
    config = tiny_config(corpus, schedule=schedule, tie_weights=tied)
    straight = []
    expected = train(config, tmp_path / "straight", straight.append)

    calls = []
    with pytest.raises(TrainingInterrupted, match="state is saved"):
        train(config, tmp_path / "paused", lambda event: None,
              should_pause=lambda: calls.append(1) or len(calls) >= pause_after)
    assert (tmp_path / "paused" / STATE_JSON).is_file()
    resumed = []
    metrics = train(config, tmp_path / "paused", resumed.append, resume=True)

    before, after = step_losses(straight), step_losses(resumed)
    assert after and min(after) >= pause_after - 1 and len(after) < len(before)
    for step, loss in after.items():
        assert loss == pytest.approx(before[step], abs=1e-5), step
    assert metrics["valid"]["loss"] == pytest.approx(expected["valid"]["loss"], abs=1e-5)
    assert [row["epoch"] for row in metrics["history"]] == [1, 2, 3]
    assert not (tmp_path / "paused" / STATE_JSON).exists()


@pytest.mark.slow
def test_sigterm_saves_a_resumable_state_and_resume_continues_from_it(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    out = tmp_path / "run"
    command = [sys.executable, "train.py", "--text-file", str(corpus), "--level", "word", "--epochs", "400",
               "--hidden-size", "32", "--embedding-size", "16", "--batch-size", "4", "--bptt", "8", "--out", str(out)]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stdout:  # wait until training is under way
        if line.startswith("epoch   2"):
            break
    process.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - signalled < 30
    assert process.returncode == 130, stderr
    assert "resume with: python train.py --resume --out" in stderr
    resumed = subprocess.run([sys.executable, "train.py", "--resume", "--out", str(out), "--epochs", "3"],
                             cwd=REPO, capture_output=True, text=True, timeout=60)
    assert resumed.returncode == 2 and "--resume takes only --out" in resumed.stderr
    # The resumed run goes on from epoch 3; stop it the same way to keep the test short.
    process = subprocess.Popen([sys.executable, "train.py", "--resume", "--out", str(out)], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().startswith("resuming")
    next_epoch = process.stdout.readline()
    assert next_epoch.startswith("epoch") and int(next_epoch.split()[1]) >= 3
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    model, _ = lm.load(out)  # the best checkpoint so far is always loadable
    assert model.hidden_size == 32


def test_a_diverging_loss_stops_at_once_and_keeps_the_last_good_checkpoint(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    out = tmp_path / "model"
    train(tiny_config(corpus, epochs=1), out)
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    events = []
    with pytest.raises(TrainingDiverged, match=r"loss became (nan|inf) at epoch 1, step \d+; stopped.*kept"):
        train(tiny_config(corpus, learning_rate=1e30, clip=1e30, schedule="constant"), out, events.append)
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert all(event.kind == "step" for event in events)


@pytest.mark.slow
def test_an_unwritable_output_folder_is_refused_before_training(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    started = time.perf_counter()
    with pytest.raises(OSError, match="cannot write checkpoints to .*a-file/model"):
        train(config_from("human-numbers"), blocker / "model")
    assert time.perf_counter() - started < 1
    result = subprocess.run([sys.executable, "train.py", "--preset", "human-numbers", "--out", "/proc/lm-model"],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "cannot write checkpoints to /proc/lm-model" in result.stderr


SAVE_FOREVER = """
import sys, torch, lm
from lm.model import LSTMLanguageModel
from lm.tokenizer import Tokenizer
tokenizer = Tokenizer.build(["a b c d e"], "word")
for index in range(10**9):
    torch.manual_seed(index)
    lm.save(sys.argv[1], LSTMLanguageModel(len(tokenizer), embedding_size=64, hidden_size=512, num_layers=2, dropout=0.0), tokenizer, {"index": index})
    if index == 0:
        print("saved", flush=True)
"""


@pytest.mark.slow
def test_kill_9_while_saving_leaves_a_loadable_checkpoint(tmp_path):
    out = tmp_path / "model"
    for round_number in range(4):
        process = subprocess.Popen([sys.executable, "-c", SAVE_FOREVER, str(out)], cwd=REPO,
                                   stdout=subprocess.PIPE, text=True)
        assert process.stdout.readline() == "saved\n"
        time.sleep(0.2 + 0.37 * round_number)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        model, _ = lm.load(out)
        assert torch.isfinite(model.lstm.weight_hh_l0).all()
