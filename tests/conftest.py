"""Shared fixtures: tiny models, tokenizers, the Tiny Shakespeare text, a
stand-in Hub, and studios in subprocesses shared by the tests that use them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from lm.corpora import local_tiny_shakespeare
from lm.model import LSTMLanguageModel
from lm.tokenizer import Tokenizer
from tests.support.paths import CHECKPOINTS


@pytest.fixture
def tiny_shakespeare() -> Path:
    path = local_tiny_shakespeare()
    if path is None:
        pytest.skip("Tiny Shakespeare not found: set $TINY_SHAKESPEARE or place it at ../shared/data/tinyshakespeare.txt")
    return path


@pytest.fixture
def word_tokenizer() -> Tokenizer:
    return Tokenizer.build(["the cat sat on the mat .", "the dog sat , too !", "a cat ran"], "word")


@pytest.fixture
def tiny_model(word_tokenizer) -> LSTMLanguageModel:
    torch.manual_seed(0)
    return LSTMLanguageModel(len(word_tokenizer), embedding_size=8, hidden_size=16, num_layers=2, dropout=0.0).eval()


@pytest.fixture
def hub():
    """An empty stand-in Hub on a loopback port, for one test."""
    from tests.support.hub_standin import StandInHub

    server = StandInHub().start()
    yield server
    server.stop()


@pytest.fixture
def online(monkeypatch):
    """The test run sets HF_HUB_OFFLINE=1; the tests that use this talk to loopback only."""
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)


@pytest.fixture(scope="session")
def studio_url():
    """One studio (``app.py`` in a subprocess, default settings) shared by the tests that need no settings of their own."""
    from tests.support.studio_server import running_studio

    with running_studio() as (url, _):
        yield url


@pytest.fixture(scope="session")
def studio_client(studio_url):
    from gradio_client import Client

    return Client(studio_url, verbose=False)


@pytest.fixture(scope="session")
def class_hub():
    """A stand-in Hub holding the shipped Human Numbers model as ``class/numbers``."""
    from tests.support.hub_standin import StandInHub

    server = StandInHub().start()
    server.publish("class/numbers", CHECKPOINTS / "human-numbers")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def hub_studio_url(class_hub, tmp_path_factory):
    """A studio whose model list offers ``class/numbers`` from ``class_hub``
    and a repo the Hub lacks, with requests capped at 1 s."""
    from tests.support.studio_server import running_studio

    folder = tmp_path_factory.mktemp("studio")
    (folder / "models.json").write_text(json.dumps({"models": [
        {"name": "Numbers from the Hub", "repo": "class/numbers", "corpus": "human-numbers"},
        {"name": "Missing from the Hub", "repo": "class/missing"},
    ]}))
    with running_studio(HF_HUB_OFFLINE="0", HF_ENDPOINT=class_hub.endpoint, HF_HOME=str(folder / "hf-home"),
                        LM_HUB_MODELS=str(folder / "models.json"), LM_GENERATION_SECONDS="1") as (url, _):
        yield url
