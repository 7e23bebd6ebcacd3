"""Data-parallel training: two CPU processes on the gloo backend via torchrun."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import lm

from conftest import REPO
from studio_server import free_port


def torchrun(script: str, out, epochs: int) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(free_port()),
               script, "--preset", "human-numbers", "--epochs", str(epochs), "--hidden-size", "32",
               "--embedding-size", "16", "--batch-size", "16", "--out", str(out)]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})


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
    result = torchrun(str(REPO / "tests" / "diverging_rank.py"), tmp_path / "model", epochs=3)
    assert result.returncode != 0
    assert time.perf_counter() - started < 120  # nobody waits in the collective for the missing rank
    assert result.stderr.count("NaN or infinite on a process at epoch 1, step 20; stopped") == 2, result.stderr[-3000:]
