"""The shipped checkpoints load, meet their targets, and ``lm.evaluate``
reproduces the figures recorded in their metrics."""

import json
import subprocess
import sys

import pytest

import lm
from lm.checkpoints import read_metrics
from tests.support.paths import CHECKPOINTS, REPO


def evaluate_cli(*arguments: str) -> dict:
    result = subprocess.run([sys.executable, "-m", "lm", "evaluate", *arguments], cwd=REPO,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.slow
def test_human_numbers_reproduces_its_recorded_figures():
    folder = CHECKPOINTS / "human-numbers"
    metrics = read_metrics(folder)
    model, tokenizer = lm.load(folder)
    assert tokenizer.level == "word" and metrics["corpus"] == "human-numbers"
    assert metrics["command"].startswith("python train.py")
    figures = evaluate_cli(str(folder))
    assert figures["accuracy"] == pytest.approx(metrics["valid"]["accuracy"], abs=1e-9)
    assert figures["loss"] == pytest.approx(metrics["valid"]["loss"], rel=1e-5)


@pytest.mark.slow
def test_tiny_shakespeare_meets_its_target_and_reproduces_it(tiny_shakespeare):
    folder = CHECKPOINTS / "tiny-shakespeare"
    metrics = read_metrics(folder)
    assert metrics["valid"]["loss"] <= 1.50
    assert metrics["command"].startswith("python train.py")
    figures = evaluate_cli(str(folder), "--text-file", str(tiny_shakespeare))
    assert figures["loss"] == pytest.approx(metrics["valid"]["loss"], rel=1e-5)
    assert figures["tokens"] == metrics["valid"]["tokens"]


def test_shipped_checkpoints_are_small_enough_to_commit():
    for folder in (CHECKPOINTS / "human-numbers", CHECKPOINTS / "tiny-shakespeare"):
        assert sum(path.stat().st_size for path in folder.iterdir()) < 25_000_000
