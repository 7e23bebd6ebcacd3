"""Shared fixtures: tiny models, tokenizers and the Tiny Shakespeare text."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from lm.corpora import local_tiny_shakespeare
from lm.model import LSTMLanguageModel
from lm.tokenizer import Tokenizer

REPO = Path(__file__).resolve().parent.parent
CHECKPOINTS = REPO / "checkpoints"


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


@pytest.fixture(scope="session")
def studio_url():
    """One studio (``app.py`` in a subprocess, default settings) shared by the tests that need no settings of their own."""
    from studio_server import running_studio

    with running_studio() as (url, _):
        yield url


@pytest.fixture(scope="session")
def studio_client(studio_url):
    from gradio_client import Client

    return Client(studio_url, verbose=False)
