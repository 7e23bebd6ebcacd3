import math

import pytest
import torch

from lm.model import LSTMLanguageModel
from lm.sampling import generate, stream
from lm.scoring import score
from lm.tokenizer import EOS_ID, UNK_ID


def test_stepwise_logits_equal_one_forward_over_the_whole_sequence(tiny_model):
    tokens = torch.randint(0, tiny_model.vocab_size, (1, 12))
    whole, _ = tiny_model(tokens)
    state, stepwise = None, []
    for position in range(12):
        logits, state = tiny_model(tokens[:, position : position + 1], state)
        stepwise.append(logits)
    assert torch.allclose(torch.cat(stepwise, 1), whole, atol=1e-5)


@pytest.mark.parametrize("tie_weights", [False, True])
def test_fast_step_equals_forward(word_tokenizer, tie_weights):
    torch.manual_seed(1)
    model = LSTMLanguageModel(len(word_tokenizer), embedding_size=8, hidden_size=16, num_layers=3, dropout=0.0,
                              tie_weights=tie_weights).eval()
    tokens = torch.randint(0, len(word_tokenizer), (4, 10))
    whole, _ = model(tokens)  # (B, T, V)
    _, state = model(tokens[:, :1])
    for position in range(1, 10):
        logits, state = model.step(tokens[:, position], state)
        assert torch.allclose(logits, whole[:, position], atol=1e-5)


def test_same_seed_same_output_and_one_text_per_temperature(tiny_model, word_tokenizer):
    first = generate(tiny_model, word_tokenizer, "the cat", temperatures=[0.5, 1.0, 2.0], max_new_tokens=20, seed=3)
    again = generate(tiny_model, word_tokenizer, "the cat", temperatures=[0.5, 1.0, 2.0], max_new_tokens=20, seed=3)
    other = generate(tiny_model, word_tokenizer, "the cat", temperatures=[0.5, 1.0, 2.0], max_new_tokens=20, seed=4)
    assert first.texts == again.texts
    assert len(first.texts) == 3 and all(text.startswith("the cat") for text in first.texts)
    assert first.texts != other.texts


def test_temperature_zero_is_argmax_with_unk_masked(word_tokenizer):
    torch.manual_seed(0)
    model = LSTMLanguageModel(len(word_tokenizer), embedding_size=8, hidden_size=16, num_layers=1, dropout=0.0).eval()
    with torch.no_grad():
        model.decoder.bias[UNK_ID] = 50.0  # <unk> is the argmax everywhere
        model.decoder.bias[EOS_ID] = -50.0
    steps = list(stream(model, word_tokenizer, "the", temperatures=[0.0, 1.0], max_new_tokens=15, seed=0))
    state = None
    assert all(UNK_ID not in step.token_ids for step in steps)
    # Greedy row: each token is the argmax once <unk> is excluded.
    token = None
    for step in steps:
        logits, state = model(torch.tensor([word_tokenizer.encode("the")]), None) if token is None else model(torch.tensor([[token]]), state)
        masked = logits[0, -1].clone()
        masked[UNK_ID] = -math.inf
        assert step.token_ids[0] == masked.argmax().item()
        token = step.token_ids[0]
    assert steps[-1].unk_masked[0] == len(steps)  # every greedy draw would have been <unk>


def test_eos_ends_only_its_row(word_tokenizer):
    model = LSTMLanguageModel(len(word_tokenizer), embedding_size=8, hidden_size=16, num_layers=1, dropout=0.0).eval()
    with torch.no_grad():
        model.decoder.bias[EOS_ID] = 3.0  # most likely, not certain
    result = generate(model, word_tokenizer, "the", temperatures=[0.0, 5.0], max_new_tokens=30, seed=1)
    greedy, hot = result.samples
    assert greedy.ended and greedy.token_ids == []
    assert len(hot.token_ids) > 0


def test_top_k_and_top_p_restrict_the_support(tiny_model, word_tokenizer):
    for step in stream(tiny_model, word_tokenizer, "the", temperatures=[1.0, 3.0], max_new_tokens=30, seed=0, top_k=2):
        for row, token_id in enumerate(step.token_ids):
            if not step.ended[row]:
                allowed = [word_tokenizer.index[token] for token, probability in step.alternatives[row] if probability > 0]
                assert token_id in allowed and len(allowed) <= 2
    with torch.no_grad():
        tiny_model.decoder.bias[UNK_ID] = -50.0  # top-p counts <unk> before it is masked; keep it out of the way
    full = next(stream(tiny_model, word_tokenizer, "the", temperatures=[1.0], max_new_tokens=1)).alternatives[0]
    cumulative = torch.tensor([probability for _, probability in full]).cumsum(0)
    expected = [token for index, (token, _) in enumerate(full) if index == 0 or cumulative[index - 1] < 0.3]
    nucleus = next(stream(tiny_model, word_tokenizer, "the", temperatures=[1.0], max_new_tokens=1, top_p=0.3)).alternatives[0]
    assert [token for token, probability in nucleus if probability > 0] == expected


def test_columns_share_random_numbers(tiny_model, word_tokenizer):
    # With shared noise, two columns at the same temperature are identical.
    result = generate(tiny_model, word_tokenizer, "the", temperatures=[1.0, 1.0], max_new_tokens=20, seed=5)
    assert result.texts[0] == result.texts[1]
    several = generate(tiny_model, word_tokenizer, "the", temperatures=[1.0], max_new_tokens=20, seed=5, samples_per_temperature=3)
    assert len(set(several.texts)) > 1


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(temperatures=[-0.1]), r"temperature must be in \[0, 5\], got -0.1"),
        (dict(temperatures=[float("nan")]), "temperature must be in"),
        (dict(temperatures=[6]), "got 6"),
        (dict(temperatures=[1.0] * 7), "give between 1 and 6 temperatures, got 7"),
        (dict(max_new_tokens=0), r"max_new_tokens must be an integer in \[1, 2000\], got 0"),
        (dict(max_new_tokens=10**6), "got 1000000"),
        (dict(top_k=0), "top_k must be a positive integer"),
        (dict(top_p=1.5), r"top_p must be in \(0, 1\]"),
        (dict(top_p=0.0), "top_p must be in"),
    ],
)
def test_bad_arguments_raise_clear_errors(tiny_model, word_tokenizer, arguments, message):
    with pytest.raises(ValueError, match=message):
        generate(tiny_model, word_tokenizer, "the", **{"temperatures": [1.0], **arguments})


def test_int8_sampling_stays_close_to_fp32(tiny_model, word_tokenizer):
    from lm.quantize import quantize_int8

    int8 = quantize_int8(tiny_model)
    text = "the cat sat on the mat"
    assert abs(score(int8, word_tokenizer, text).perplexity / score(tiny_model, word_tokenizer, text).perplexity - 1) < 0.05
    assert len(generate(int8, word_tokenizer, "the", temperatures=[0.0, 1.0], max_new_tokens=5).texts) == 2


def test_settings_are_one_validated_object_and_generate_collects_what_stream_draws(tiny_model, word_tokenizer):
    from lm.sampling import SamplingSettings

    settings = SamplingSettings(temperatures=[0.0, 0.9], max_new_tokens=12, seed=4)
    assert settings.temperatures == (0.0, 0.9) and settings == SamplingSettings.of(None, temperatures=(0.0, 0.9),
                                                                                   max_new_tokens=12, seed=4)
    steps = list(stream(tiny_model, word_tokenizer, "the", settings))
    samples = generate(tiny_model, word_tokenizer, "the", settings)
    for row, sample in enumerate(samples.samples):
        drawn = []
        for step in steps:
            if step.token_ids[row] == EOS_ID:
                break
            drawn.append(step.token_ids[row])
        assert sample.token_ids == drawn
    with pytest.raises(ValueError, match="give between 1 and 6 temperatures, got 7"):
        SamplingSettings(temperatures=[1.0] * 7)
