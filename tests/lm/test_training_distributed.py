"""Data-parallel training: two CPU processes on the gloo backend via torchrun."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

import lm
from tests.support.paths import REPO
from tests.support.studio_server import free_port

pytestmark = pytest.mark.slow

TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
SMALL = ["--preset", "human-numbers", "--hidden-size", "32", "--embedding-size", "16", "--batch-size", "16"]
ONE_THREAD = {**os.environ, "OMP_NUM_THREADS": "1"}


def torchrun(script: str, out, epochs: int) -> subprocess.CompletedProcess:
    command = [*TORCHRUN, "--master_port", str(free_port()), script, *SMALL, "--epochs", str(epochs), "--out", str(out)]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600, env=ONE_THREAD)


def test_torchrun_with_two_processes_trains_a_normal_checkpoint(tmp_path):
    out = tmp_path / "model"
    result = torchrun("train.py", out, epochs=3)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("saved ") == 1 and result.stdout.count("epoch   1 |") == 1  # rank 0 alone reports
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["processes"] == 2
    losses = [row["train_loss"] for row in metrics["history"]]
    assert losses[-1] < losses[0]
    assert metrics["history"][-1]["valid_loss"] < metrics["history"][0]["valid_loss"]
    model, _ = lm.load(out)
    assert model.hidden_size == 32


def test_a_nan_loss_on_one_process_stops_every_process(tmp_path):
    started = time.perf_counter()
    result = torchrun(str(REPO / "tests" / "support" / "diverging_rank.py"), tmp_path / "model", epochs=3)
    assert result.returncode != 0
    assert time.perf_counter() - started < 120  # nobody waits in the collective for the missing rank
    assert result.stderr.count("NaN or infinite on a process at epoch 1, step 20; stopped") == 2, result.stderr[-3000:]


def test_sigterm_under_torchrun_pauses_every_process_and_resume_matches_an_uninterrupted_run(tmp_path):
    expected = torchrun("train.py", tmp_path / "whole", epochs=4)
    assert expected.returncode == 0, expected.stderr[-3000:]
    out = tmp_path / "paused"
    process = subprocess.Popen([*TORCHRUN, "--master_port", str(free_port()), "train.py", *SMALL, "--epochs", "4",
                                "--out", str(out)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=ONE_THREAD)
    for line in process.stdout:  # wait until the second epoch is under way
        if line.startswith("epoch   1 |"):
            break
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert stderr.count("the state is saved in") == 2, stderr[-3000:]  # both ranks paused at the same step
    paused = json.loads((out / "resume.json").read_text())["progress"]
    assert paused["processes"] == 2 and 0 < paused["position"]
    single = subprocess.run([sys.executable, "train.py", "--resume", "--out", str(out)], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert single.returncode == 1 and "paused with 2 process(es) and is resumed with 1" in single.stderr
    resumed = subprocess.run([*TORCHRUN, "--master_port", str(free_port()), "train.py", "--resume", "--out", str(out)],
                             cwd=REPO, capture_output=True, text=True, timeout=600, env=ONE_THREAD)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    whole = json.loads((tmp_path / "whole" / "metrics.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text())
    assert [row["epoch"] for row in metrics["history"]] == [1, 2, 3, 4]
    for ours, reference in zip(metrics["history"], whole["history"]):
        assert ours["valid_loss"] == pytest.approx(reference["valid_loss"], abs=1e-5)
    assert metrics["test"]["loss"] == pytest.approx(whole["test"]["loss"], abs=1e-5)
    assert not (out / "resume.json").exists()
