"""AWD-LSTM options: each does what it says."""

from __future__ import annotations

import math

import pytest
import torch

import lm
from lm.training.config import config_from
from lm.data import batchify, variable_windows
from lm.model import LSTMLanguageModel
from lm.training.regularization import Regularization, embedding_dropout, locked_dropout, regularized_forward
from lm.training import train
from tests.support.corpora import write_corpus


@pytest.fixture
def model():
    torch.manual_seed(0)
    return LSTMLanguageModel(30, embedding_size=8, hidden_size=16, num_layers=3, dropout=0.0)


def test_with_everything_off_the_pass_equals_the_model(model):
    tokens = torch.randint(0, 30, (4, 7))
    everything = Regularization(0.1, 0.5, 0.3, 0.4, 0.5, True, 2.0, 1.0)
    model.eval()
    output = regularized_forward(model, tokens, None, everything)
    reference, state = model(tokens)
    assert torch.allclose(output.logits, reference, atol=1e-6)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(output.state, state))


def test_locked_dropout_uses_one_mask_across_time():
    torch.manual_seed(0)
    dropped = locked_dropout(torch.ones(8, 50, 32), 0.5)  # (B, T, D)
    assert torch.equal(dropped, dropped[:, :1].expand_as(dropped))  # the same at every step
    assert not torch.equal(dropped[0], dropped[1])  # but not the same for every row
    assert set(dropped.unique().tolist()) == {0.0, 2.0}
    assert torch.equal(locked_dropout(torch.ones(2, 3, 4), 0.5, training=False), torch.ones(2, 3, 4))


def test_embedding_dropout_drops_whole_words(model):
    torch.manual_seed(0)
    weight = embedding_dropout(model.embedding.weight, 0.5)  # (V, E)
    dropped_rows = (weight == 0).all(dim=1)
    assert 0 < dropped_rows.sum() < 30
    kept = ~dropped_rows
    assert torch.allclose(weight[kept], 2 * model.embedding.weight[kept])
    assert not (weight[kept] == 0).all(dim=1).any()


def test_weight_drop_changes_each_pass_but_never_the_saved_weights(model, tmp_path, word_tokenizer):
    before = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    setting = Regularization(weight_drop=0.5)
    tokens = torch.randint(0, 30, (2, 6))
    model.train()
    torch.manual_seed(1)
    first = regularized_forward(model, tokens, None, setting).logits
    second = regularized_forward(model, tokens, None, setting).logits
    assert not torch.allclose(first, second)  # a fresh DropConnect mask per pass
    first.sum().backward()
    assert model.lstm.weight_hh_l0.grad is not None  # gradients reach the real matrix
    assert all(torch.equal(before[name], tensor) for name, tensor in model.state_dict().items())
    assert not (model.lstm.weight_hh_l0 == 0).any()


def test_activation_penalties_are_ar_plus_tar(model):
    model.train()
    tokens = torch.randint(0, 30, (3, 9))
    setting = Regularization(alpha=2.0, beta=1.0)
    output = regularized_forward(model, tokens, None, setting)
    expected = 2.0 * output.dropped.pow(2).mean() + 1.0 * (output.raw[:, 1:] - output.raw[:, :-1]).pow(2).mean()
    assert output.penalty(setting).item() == pytest.approx(expected.item(), rel=1e-6)
    assert output.penalty(Regularization()).item() == 0.0


def test_variable_bptt_covers_the_stream_once_with_varying_lengths():
    rows = batchify(torch.arange(20_001), 4)  # (4, 5000)
    pieces = list(variable_windows(rows, 70, seed=3))
    positions = [position for position, _, _ in pieces]
    lengths = [inputs.size(1) for _, inputs, _ in pieces]
    assert positions == [sum(lengths[:index]) for index in range(len(lengths))]
    assert sum(lengths) == rows.size(1) - 1
    assert len(set(lengths)) > 10 and min(lengths) >= 5 and max(lengths) <= 110
    assert any(length < 50 for length in lengths)  # the occasional half-length window
    assert abs(sum(lengths) / len(lengths) - 70) < 6
    for _, inputs, targets in pieces:
        assert torch.equal(targets, inputs + 1)
    assert [p for p, _, _ in variable_windows(rows, 70, seed=3)] == positions


@pytest.mark.slow
def test_an_awd_run_trains_and_saves_a_normal_checkpoint(tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    config = config_from(None, corpus=None, text_file=str(corpus), level="word", hidden_size=32, embedding_size=32,
                         num_layers=2, tie_weights=True, batch_size=4, bptt=8, epochs=4, locked_dropout=True,
                         dropout=0.3, input_dropout=0.4, hidden_dropout=0.2, embedding_dropout=0.1, weight_drop=0.3,
                         ar_alpha=2.0, tar_beta=1.0, variable_bptt=True, optimizer="nt-asgd", nonmono=1,
                         learning_rate=5.0, schedule="constant", precision="fp32")
    metrics = train(config, tmp_path / "model")
    assert metrics["history"][-1]["train_loss"] < metrics["history"][0]["train_loss"]
    assert math.isfinite(metrics["valid"]["loss"])
    model, _ = lm.load(tmp_path / "model")
    assert model.tie_weights and model.num_layers == 2
