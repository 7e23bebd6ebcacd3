"""Download and cache checkpoints against a stand-in Hub on loopback.

The stand-in (``tests/support/hub_standin.py``) is a real HTTP server;
``huggingface_hub`` talks to it exactly as it talks to the Hub.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import torch
from huggingface_hub import constants

from lm.checkpoints import load_folder
from lm.hub import HubError, download
from lm.hub.cache import cached_folder
from tests.support.models import make_checkpoint, same_logits
from tests.support.paths import REPO

pytestmark = pytest.mark.usefixtures("online")


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


@pytest.mark.slow
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


@pytest.mark.slow
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
