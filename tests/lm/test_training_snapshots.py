import json
import subprocess
import sys

import pytest
import torch

import lm
from lm.training.config import config_from
from lm.training.snapshots import listed, load_snapshot, parse_snapshots
from lm.training import train
from tests.support.paths import REPO


def test_snapshot_lists_are_epochs_or_budget_shares():
    assert parse_snapshots("1, 2,5,10,final") == ([1.0, 2.0, 5.0, 10.0], True)
    assert parse_snapshots("0.5,0.05") == ([0.05, 0.5], False)
    for bad in ("1,0.5", "two", "0"):
        with pytest.raises(ValueError, match="snapshots must"):
            parse_snapshots(bad)
    with pytest.raises(ValueError, match="need --max-minutes"):
        config_from("human-numbers", snapshots="0.1,final")


@pytest.mark.slow
def test_a_run_keeps_its_snapshots_and_the_checkpoint_loads_as_before(tmp_path):
    config = config_from("human-numbers", epochs=4, hidden_size=24, embedding_size=24, snapshots="1,3,final")
    metrics = train(config, tmp_path)
    names = [row["name"] for row in metrics["snapshots"]]
    assert names == ["epoch-1", "epoch-3", "final"] and listed(tmp_path) == metrics["snapshots"]
    first = metrics["snapshots"][0]
    assert first["valid_loss"] == metrics["history"][0]["valid_loss"] and first["tokens_seen"] > 0
    assert metrics["snapshots"][1]["tokens_seen"] == 3 * first["tokens_seen"]
    assert (tmp_path / "snapshots" / "epoch-1.safetensors").stat().st_size < (tmp_path / "model.safetensors").stat().st_size
    early, tokenizer = load_snapshot(tmp_path, "epoch-1")
    final, _ = load_snapshot(tmp_path, "final")
    model, _ = lm.load(tmp_path)
    assert all(torch.equal(a, b) for a, b in zip(final.state_dict().values(), model.state_dict().values()))
    assert not torch.equal(early.decoder.bias, model.decoder.bias)
    with pytest.raises(ValueError, match="has no snapshot 'epoch-2'"):
        load_snapshot(tmp_path, "epoch-2")


@pytest.mark.slow
def test_train_py_keeps_snapshots_at_shares_of_the_budget(tmp_path):
    result = subprocess.run([sys.executable, "train.py", "--preset", "human-numbers", "--hidden-size", "16",
                             "--embedding-size", "16", "--epochs", "1000", "--max-minutes", "0.1", "--snapshots",
                             "0.1,0.5,final", "--out", str(tmp_path)], cwd=REPO, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    rows = json.loads((tmp_path / "metrics.json").read_text())["snapshots"]
    names, epochs = [row["name"] for row in rows], [row["epoch"] for row in rows]
    assert names[-1] == "final" and len(set(epochs)) == len(epochs)  # no epoch twice
    assert len(names) in (2, 3)  # 2 when the 0.5 share's epoch was the best: the checkpoint stands for it


@pytest.mark.slow
def test_a_snapshot_of_the_best_epoch_is_the_checkpoint_itself(tmp_path):
    config = config_from("human-numbers", epochs=2, hidden_size=24, embedding_size=24, snapshots="1,2,final")
    metrics = train(config, tmp_path)
    assert metrics["best_epoch"] == 2  # it still improves in its second epoch
    assert [row["name"] for row in metrics["snapshots"]] == ["epoch-1", "final"]
    assert metrics["snapshots"][-1]["epoch"] == 2
    assert sorted(path.name for path in (tmp_path / "snapshots").iterdir()) == ["epoch-1.safetensors"]
