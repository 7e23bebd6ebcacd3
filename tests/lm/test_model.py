import pytest
import torch
import torch.nn.functional as F

from lm.model import LSTMLanguageModel, ModelConfig


def test_forward_shapes_and_state_carry():
    model = LSTMLanguageModel(11, embedding_size=8, hidden_size=16, num_layers=2, dropout=0.0).eval()
    tokens = torch.randint(0, 11, (3, 7))
    logits, (hidden, cell) = model(tokens)
    assert logits.shape == (3, 7, 11)
    assert hidden.shape == cell.shape == (2, 3, 16)
    # Two halves with the state carried equal one pass over the whole.
    first, state = model(tokens[:, :4])
    second, _ = model(tokens[:, 4:], state)
    assert torch.allclose(torch.cat([first, second], 1), logits, atol=1e-6)


def test_tied_weights_share_storage_and_project_when_sizes_differ():
    model = LSTMLanguageModel(11, embedding_size=8, hidden_size=16, tie_weights=True)
    assert model.decoder.weight is model.embedding.weight
    assert model.projection is not None
    assert model(torch.zeros(1, 2, dtype=torch.long))[0].shape == (1, 2, 11)


def test_initialisation_really_changes_the_weights():
    model = LSTMLanguageModel(11, embedding_size=8, hidden_size=16)
    assert model.embedding.weight.abs().max() <= 0.1
    forget_bias = model.lstm.bias_ih_l0[16:32]
    assert torch.all(forget_bias == 1.0)


@pytest.mark.slow
def test_overfits_one_batch():
    torch.manual_seed(0)
    model = LSTMLanguageModel(12, embedding_size=16, hidden_size=32, num_layers=1, dropout=0.0)
    tokens = torch.randint(2, 12, (4, 17))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(250):
        logits, _ = model(tokens[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, 12), tokens[:, 1:].reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.05


def test_the_config_is_the_one_description_of_the_shape():
    config = ModelConfig(11, embedding_size=8, hidden_size=16, num_layers=1, dropout=0.0, tie_weights=True)
    assert ModelConfig.from_dict(config.to_dict()) == config
    shape = {name: value for name, value in config.to_dict().items() if name != "vocab_size"}
    assert LSTMLanguageModel(11, **shape).config == LSTMLanguageModel(config).config == config
    assert ModelConfig.from_dict({"vocab_size": 11}) == ModelConfig(11)
    with pytest.raises(ValueError, match=r"has keys \['hidden', 'vocab_size'\]; allowed are .* vocab_size is required"):
        ModelConfig.from_dict({"vocab_size": 11, "hidden": 3})
    with pytest.raises(ValueError, match="dropout must be in \\[0, 1\\), got 1.5"):
        ModelConfig(11, dropout=1.5)
