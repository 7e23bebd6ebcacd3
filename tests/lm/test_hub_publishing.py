"""Publish checkpoints with their model card to a stand-in Hub on loopback,
from Python and from ``train.py --push-to-hub``."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

import lm
from lm.checkpoints import load_folder
from lm.training.config import config_from
from lm.hub import download
from lm.hub.publishing import push
from lm.training import train
from tests.support.models import same_logits
from tests.support.paths import REPO

pytestmark = pytest.mark.usefixtures("online")


def test_push_round_trip_with_a_model_card(hub, cache, tmp_path):
    config = config_from("human-numbers", epochs=2, hidden_size=32, embedding_size=8, batch_size=32, bptt=16)
    metrics = train(config, tmp_path / "trained", command="python train.py --preset human-numbers --epochs 2")
    url = push(tmp_path / "trained", "alice/numbers", endpoint=hub.endpoint, token="hf_writer")
    files = hub.repos["alice/numbers"].commits[hub.repos["alice/numbers"].refs["main"]]
    assert url.endswith(hub.repos["alice/numbers"].refs["main"])
    assert {"config.json", "model.safetensors", "vocab.json", "metrics.json", "README.md", "loss_curve.svg"} <= set(files)
    card = files["README.md"].decode()
    metadata = yaml.safe_load(card.split("---\n")[1])
    assert metadata["library_name"] and "lstm" in metadata["tags"]
    reported = metadata["model-index"][0]["results"][0]["metrics"]
    assert reported[0]["value"] == pytest.approx(metrics["valid"]["perplexity"], abs=1e-3)
    assert "python train.py --preset human-numbers --epochs 2" in card
    assert card.count("**temperature ") == 3 and "![train and valid loss per epoch](loss_curve.svg)" in card
    assert files["loss_curve.svg"].startswith(b"<svg") and b"polyline" in files["loss_curve.svg"]
    pulled, _ = load_folder(download("alice/numbers", endpoint=hub.endpoint, cache_dir=cache))
    original, _ = lm.load(tmp_path / "trained")
    assert same_logits(pulled, original)


@pytest.mark.slow
def test_train_py_pushes_when_asked(hub, tmp_path):
    env = {**os.environ, "HF_ENDPOINT": hub.endpoint, "HF_TOKEN": "hf_writer", "HF_HUB_OFFLINE": "0",
           "HF_HOME": str(tmp_path / "home")}
    command = [sys.executable, "train.py", "--preset", "human-numbers", "--epochs", "1", "--hidden-size", "16",
               "--embedding-size", "8", "--out", str(tmp_path / "run"), "--push-to-hub", "bob/numbers", "--private"]
    result = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "published" in result.stdout and hub.repos["bob/numbers"].private
    assert "README.md" in hub.repos["bob/numbers"].commits[hub.repos["bob/numbers"].refs["main"]]
