"""Download, cache and publish checkpoints against a stand-in Hub on loopback.

The stand-in (``hub_standin.py``) is a real HTTP server; ``huggingface_hub``
talks to it exactly as it talks to the Hub.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest
import torch
import yaml
from huggingface_hub import constants

import lm
from hub_standin import StandInHub
from lm.checkpoints import load_folder
from lm.hub import HubError, cached_folder, download
from lm.model import LSTMLanguageModel
from lm.push import push
from lm.config import config_from
from lm.training import train
from studio.model_list import HubModel, read_model_list

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def hub():
    server = StandInHub().start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def online(monkeypatch):
    """The test run sets HF_HUB_OFFLINE=1; these tests talk to loopback only."""
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


@pytest.fixture
def cache(tmp_path):
    return tmp_path / "cache"


def make_checkpoint(folder, tokenizer, seed: int):
    torch.manual_seed(seed)
    model = LSTMLanguageModel(len(tokenizer), embedding_size=8, hidden_size=16, num_layers=1, dropout=0.0).eval()
    lm.save(folder, model, tokenizer, metrics={"corpus": "toy", "history": []})
    return model


def same_logits(model_a, model_b) -> bool:
    tokens = torch.tensor([[2, 3, 4, 5]])
    return torch.equal(model_a(tokens)[0], model_b(tokens)[0])


@pytest.fixture
def published(hub, tmp_path, word_tokenizer):
    """``alice/tiny``: commit A on branch ``v1`` and ``main``, then commit B on ``main``."""
    first = make_checkpoint(tmp_path / "first", word_tokenizer, seed=1)
    second = make_checkpoint(tmp_path / "second", word_tokenizer, seed=2)
    commit_a = hub.publish("alice/tiny", tmp_path / "first", branch="v1")
    hub.publish("alice/tiny", tmp_path / "first")
    commit_b = hub.publish("alice/tiny", tmp_path / "second", message="retrained")
    return {"first": first, "second": second, "commit_a": commit_a, "commit_b": commit_b}


def test_download_and_load_strictly(hub, published, cache):
    seen = []
    folder = download("alice/tiny", endpoint=hub.endpoint, cache_dir=cache, progress=lambda done, total: seen.append((done, total)))
    model, tokenizer = load_folder(folder)
    assert same_logits(model, published["second"])
    assert folder.name == published["commit_b"]
    assert sorted(path.name for path in folder.iterdir()) == ["config.json", "metrics.json", "model.safetensors", "vocab.json"]
    assert seen and seen[-1][0] == seen[-1][1] > 0  # the progress reached the announced total


def test_revisions_are_pinned(hub, published, cache):
    by_commit = download(f"alice/tiny@{published['commit_a']}", endpoint=hub.endpoint, cache_dir=cache)
    by_branch = download("alice/tiny@v1", endpoint=hub.endpoint, cache_dir=cache)
    latest = download("alice/tiny@main", endpoint=hub.endpoint, cache_dir=cache)
    assert same_logits(load_folder(by_commit)[0], published["first"])
    assert by_branch == by_commit
    assert same_logits(load_folder(latest)[0], published["second"])
    with pytest.raises(HubError, match="has no branch, tag or commit 'v9'") as caught:
        download("alice/tiny@v9", endpoint=hub.endpoint, cache_dir=cache)
    assert caught.value.reason == "no-revision"


def test_a_cached_revision_loads_offline_and_an_uncached_one_says_so(hub, published, cache, monkeypatch):
    online_folder = download("alice/tiny@v1", endpoint=hub.endpoint, cache_dir=cache)
    hub.stop()
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert download("alice/tiny@v1", endpoint=hub.endpoint, cache_dir=cache) == online_folder
    assert cached_folder("alice/tiny@v1", cache) == online_folder
    started = time.perf_counter()
    with pytest.raises(HubError, match=r"alice/tiny@main is not available offline.*shipped models still work") as caught:
        download("alice/tiny", endpoint=hub.endpoint, cache_dir=cache)
    assert caught.value.reason == "unreachable" and time.perf_counter() - started < 1


def test_lm_load_reads_the_endpoint_and_cache_from_the_environment(hub, published, tmp_path):
    """The user's way: ``lm.load("user/repo")`` with ``HF_ENDPOINT`` set; then
    the same call with ``HF_HUB_OFFLINE=1`` and the Hub gone."""
    script = ("import lm, torch; model, _ = lm.load('alice/tiny@v1'); "
              "print(model(torch.tensor([[2, 3, 4, 5]]))[0].sum().item())")
    env = {**os.environ, "HF_ENDPOINT": hub.endpoint, "HF_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "0"}
    run = lambda env: subprocess.run([sys.executable, "-c", script], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)  # noqa: E731
    online_run = run(env)
    assert online_run.returncode == 0, online_run.stderr
    hub.stop()
    offline_run = run({**env, "HF_HUB_OFFLINE": "1"})
    assert offline_run.returncode == 0, offline_run.stderr
    expected = published["first"](torch.tensor([[2, 3, 4, 5]]))[0].sum().item()
    assert float(online_run.stdout) == pytest.approx(expected, abs=1e-5) and offline_run.stdout == online_run.stdout


@pytest.mark.parametrize("bare", [False, True], ids=["with-error-code", "bare-404"])
def test_an_unknown_repo_is_reported_as_not_found(hub, cache, bare):
    hub.faults.bare_404 = bare
    with pytest.raises(HubError, match="'alice/nothing'|alice/nothing@main was not found") as caught:
        download("alice/nothing", endpoint=hub.endpoint, cache_dir=cache)
    assert caught.value.reason == "not-found"


def test_a_repo_without_weights_names_the_missing_file(hub, tmp_path, cache):
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "config.json").write_text("{}")
    hub.publish("alice/half", tmp_path / "half")
    with pytest.raises(HubError, match=r"no model.safetensors, vocab.json \(it holds \['config.json'\]\)") as caught:
        download("alice/half", endpoint=hub.endpoint, cache_dir=cache)
    assert caught.value.reason == "missing-file"


def test_gated_and_private_repos_give_their_own_messages(hub, published, cache, tmp_path):
    hub.repos["alice/tiny"].gated = True
    with pytest.raises(HubError, match="is gated: accept its terms") as caught:
        download("alice/tiny", endpoint=hub.endpoint, cache_dir=cache, token=False)
    assert caught.value.reason == "gated"
    with_token = download("alice/tiny", endpoint=hub.endpoint, cache_dir=tmp_path / "other", token="hf_reader")
    assert with_token == cached_folder("alice/tiny", tmp_path / "other")
    assert same_logits(load_folder(with_token)[0], published["second"])
    hub.repos["alice/tiny"].private = True
    with pytest.raises(HubError, match="was not found \\(if it is private, set HF_TOKEN"):
        download("alice/tiny", endpoint=hub.endpoint, cache_dir=tmp_path / "third", token=False)


def test_a_refused_connection_fails_fast_and_clearly(cache):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    started = time.perf_counter()
    with pytest.raises(HubError, match=r"not available offline.*ConnectError") as caught:
        download("alice/tiny", endpoint=f"http://127.0.0.1:{closed_port}", cache_dir=cache, timeout=2)
    assert caught.value.reason == "unreachable" and time.perf_counter() - started < 2


def test_a_slow_hub_times_out_instead_of_hanging(hub, published, cache):
    hub.faults.delay_seconds = 5
    started = time.perf_counter()
    with pytest.raises(HubError, match="no answer within 0.5 s"):
        download("alice/tiny", endpoint=hub.endpoint, cache_dir=cache, timeout=0.5)
    assert time.perf_counter() - started < 3


def test_a_truncated_download_is_never_used(hub, published, cache):
    hub.faults.truncate = 1000  # only model.safetensors is larger
    with pytest.raises(HubError, match="downloading model.safetensors of alice/tiny@main failed") as caught:
        download("alice/tiny", endpoint=hub.endpoint, cache_dir=cache)
    assert caught.value.reason == "interrupted"
    assert cached_folder("alice/tiny", cache) is None
    assert not list(cache.rglob("model.safetensors"))
    hub.faults.truncate = 0
    model, _ = load_folder(download("alice/tiny", endpoint=hub.endpoint, cache_dir=cache))
    assert same_logits(model, published["second"])


def test_one_cut_connection_is_resumed_to_the_full_file(hub, published, cache):
    hub.faults.truncate, hub.faults.truncations_left = 1000, 1
    model, _ = load_folder(download("alice/tiny", endpoint=hub.endpoint, cache_dir=cache))
    assert same_logits(model, published["second"])


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


def test_train_py_pushes_when_asked(hub, tmp_path):
    env = {**os.environ, "HF_ENDPOINT": hub.endpoint, "HF_TOKEN": "hf_writer", "HF_HUB_OFFLINE": "0",
           "HF_HOME": str(tmp_path / "home")}
    command = [sys.executable, "train.py", "--preset", "human-numbers", "--epochs", "1", "--hidden-size", "16",
               "--embedding-size", "8", "--out", str(tmp_path / "run"), "--push-to-hub", "bob/numbers", "--private"]
    result = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "published" in result.stdout and hub.repos["bob/numbers"].private
    assert "README.md" in hub.repos["bob/numbers"].commits[hub.repos["bob/numbers"].refs["main"]]


def test_the_model_list_is_checked(tmp_path):
    path = tmp_path / "models.json"
    assert read_model_list(path) == []
    path.write_text(json.dumps({"models": [{"name": "Harry Potter", "repo": "alice/hp", "revision": "v1", "corpus": "harry-potter"}]}))
    assert read_model_list(path) == [HubModel("Harry Potter", "alice/hp", "v1", "harry-potter")]
    path.write_text(json.dumps({"models": [{"name": "../../etc/passwd", "repo": "alice/hp"}]}))
    with pytest.raises(ValueError, match="has name '../../etc/passwd'"):
        read_model_list(path)
    path.write_text(json.dumps({"models": [{"repo": "alice/hp"}]}))
    with pytest.raises(ValueError, match="entry 0 needs 'name' and 'repo'"):
        read_model_list(path)


def test_the_shipped_model_list_is_valid():
    for model in read_model_list(os.path.join(REPO, "models.json")):
        assert model.repo.count("/") == 1
