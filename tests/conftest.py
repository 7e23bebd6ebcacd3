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
