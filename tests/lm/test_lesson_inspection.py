import pytest
import torch

from lm.lesson.inspection import feature_values, inspect, inspect_stream, most_active_units, rank_units
from lm.model import LSTMLanguageModel
from lm.quantize import quantize_int8
from lm.sampling import SamplingSettings, generate
from lm.tokenizer import EOS_ID


@pytest.fixture
def model(word_tokenizer) -> LSTMLanguageModel:
    torch.manual_seed(3)
    model = LSTMLanguageModel(len(word_tokenizer), embedding_size=8, hidden_size=12, num_layers=2, dropout=0.0).eval()
    with torch.no_grad():
        model.decoder.bias[EOS_ID] = -20.0  # long samples
    return model


def test_readings_equal_nn_lstm_step_by_step_in_fp32(model, word_tokenizer):
    settings = SamplingSettings(temperatures=[1.0], max_new_tokens=15, seed=2)
    steps = list(inspect_stream(model, word_tokenizer, "the cat", settings))
    assert len(steps) == 15
    ids = word_tokenizer.encode("the cat") + [item.step.token_ids[0] for item in steps]
    state = None
    expected_hidden, expected_cell = [], []
    with torch.no_grad():
        for token in ids:
            _, state = model.lstm(model.embedding(torch.tensor([[token]])), state)
            expected_hidden.append(state[0][-1, 0])
            expected_cell.append(state[1][-1, 0])
    prompt_length = len(word_tokenizer.encode("the cat"))
    for offset, item in enumerate(steps):
        assert torch.allclose(item.values("hidden"), expected_hidden[prompt_length + offset], atol=1e-5)
        assert torch.allclose(item.values("cell"), expected_cell[prompt_length + offset], atol=1e-5)
        for gate in ("input_gate", "forget_gate", "output_gate"):
            assert 0.0 <= float(item.values(gate).min()) and float(item.values(gate).max()) <= 1.0


def test_the_inspected_sample_is_the_fp32_sample(model, word_tokenizer):
    settings = SamplingSettings(temperatures=[0.9], max_new_tokens=20, seed=5)
    inspected = [item.step.token_ids[0] for item in inspect_stream(model, word_tokenizer, "the", settings)]
    assert inspected == generate(model, word_tokenizer, "the", settings).samples[0].token_ids


def test_int8_weights_and_several_columns_are_refused(model, word_tokenizer):
    with pytest.raises(ValueError, match="needs the fp32 model"):
        list(inspect_stream(quantize_int8(model), word_tokenizer, "the", SamplingSettings(temperatures=[1.0])))
    with pytest.raises(ValueError, match="inspect one column at a time: give one temperature, got 2"):
        list(inspect_stream(model, word_tokenizer, "the", SamplingSettings(temperatures=[1.0, 0.5])))


def test_features_of_the_text():
    prefix = 'ROMEO:\nHe said "hi'
    pieces = list('" and\nJULIET:\nNo')
    starts = feature_values("start of a line", prefix, pieces)
    assert [piece for piece, flag in zip(pieces, starts) if flag] == ["J", "N"]
    assert [piece for piece, flag in zip(pieces, feature_values("capital letter", prefix, pieces)) if flag] == \
        ["J", "U", "L", "I", "E", "T", "N"]
    assert feature_values("inside quotes", prefix, pieces)[0] == 1.0  # the closing quote is still inside
    assert sum(feature_values("inside quotes", prefix, pieces)[1:]) == 0.0
    speaker = feature_values("inside a speaker's name", prefix, pieces)
    assert "".join(piece for piece, flag in zip(pieces, speaker) if flag) == "JULIET:"
    with pytest.raises(ValueError, match="feature must be one of"):
        feature_values("rhyme", "", ["a"])


def test_a_unit_that_follows_a_feature_ranks_first():
    torch.manual_seed(0)
    feature = [float(index % 5 == 0) for index in range(60)]
    values = torch.randn(60, 20) * 0.3  # (T, H)
    values[:, 7] += torch.tensor(feature) * 2.0
    values[:, 11] -= torch.tensor(feature) * 1.0  # anti-correlated: ranks too, with a negative sign
    ranked = rank_units(values, feature)
    assert ranked[0][0] == 7 and ranked[0][1] > 0.9
    assert ranked[1][0] == 11 and ranked[1][1] < -0.5
    assert 7 in most_active_units(values, 3)
    assert rank_units(values, [1.0] * 60) == []  # a constant feature ranks nothing


def test_inspect_caps_tokens_and_units_and_says_so(word_tokenizer):
    torch.manual_seed(0)
    wide = LSTMLanguageModel(len(word_tokenizer), embedding_size=8, hidden_size=80, num_layers=1, dropout=0.0).eval()
    result = inspect(wide, word_tokenizer, "the", SamplingSettings(temperatures=[1.0], max_new_tokens=600, seed=1), 70)
    assert "cut to 500 tokens (asked for 600)" in result.notes and "cut to 64 units (asked for 70)" in result.notes
    assert len(result.units) == 64 and len(result.pieces) <= 500
    assert all(len(row) == 64 for row in result.signals["cell"]) and len(result.signals["cell"]) == len(result.pieces)
    chosen = inspect(wide, word_tokenizer, "the", SamplingSettings(temperatures=[1.0], max_new_tokens=5), [3, 79])
    assert chosen.units == [3, 79]
    for bad, message in ((0, r"units must be in \[1, 80\]"), ([80], r"unit numbers must be integers in \[0, 79\]")):
        with pytest.raises(ValueError, match=message):
            inspect(wide, word_tokenizer, "the", SamplingSettings(temperatures=[1.0], max_new_tokens=5), bad)
