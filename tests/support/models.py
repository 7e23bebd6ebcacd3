"""Small checkpoints made on the fly, and comparing models by their outputs."""

from __future__ import annotations

import torch

import lm
from lm.model import LSTMLanguageModel


def make_checkpoint(folder, tokenizer, seed: int):
    torch.manual_seed(seed)
    model = LSTMLanguageModel(len(tokenizer), embedding_size=8, hidden_size=16, num_layers=1, dropout=0.0).eval()
    lm.save(folder, model, tokenizer, metrics={"corpus": "toy", "history": []})
    return model


def same_logits(model_a, model_b) -> bool:
    tokens = torch.tensor([[2, 3, 4, 5]])
    return torch.equal(model_a(tokens)[0], model_b(tokens)[0])
