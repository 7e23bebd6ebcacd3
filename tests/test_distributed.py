"""Data-parallel training: two CPU processes on the gloo backend via torchrun."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import lm

from conftest import REPO
from studio_server import free_port


def test_torchrun_with_two_processes_trains_a_normal_checkpoint(tmp_path):
    out = tmp_path / "model"
    command = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(free_port()),
               "train.py", "--preset", "human-numbers", "--epochs", "3", "--hidden-size", "32", "--embedding-size", "16",
               "--batch-size", "16", "--out", str(out)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.count("saved ") == 1 and result.stdout.count("epoch   1 |") == 1  # rank 0 alone reports
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["processes"] == 2
    losses = [row["train_loss"] for row in metrics["history"]]
    assert losses[-1] < losses[0]
    assert metrics["history"][-1]["valid_loss"] < metrics["history"][0]["valid_loss"]
    model, _ = lm.load(out)
    assert model.hidden_size == 32
