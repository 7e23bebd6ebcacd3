import pytest
import torch

from lm.model import LSTMLanguageModel
from lm.sampling import SamplingSettings, generate
from lm.lesson.stepping import END_OF_TEXT, StepSampler
from lm.tokenizer import EOS_ID, UNK_ID


@pytest.fixture
def model(word_tokenizer) -> LSTMLanguageModel:
    torch.manual_seed(4)
    return LSTMLanguageModel(len(word_tokenizer), embedding_size=8, hidden_size=16, num_layers=2, dropout=0.0).eval()


def test_choices_exclude_unk_and_show_both_temperatures(model, word_tokenizer):
    with torch.no_grad():
        model.decoder.bias[UNK_ID] = 30.0  # <unk> would be the most likely token
    sampler = StepSampler(model, word_tokenizer, "the cat")
    choices = sampler.choices(0.5, k=4)
    assert len(choices.candidates) == 4 and all(c.token_id != UNK_ID for c in choices.candidates)
    at_one = [c.probability_at_one for c in choices.candidates]
    assert at_one == sorted(at_one, reverse=True)
    assert choices.candidates[0].probability > choices.candidates[0].probability_at_one  # T < 1 sharpens
    assert sum(c.probability for c in choices.candidates) + choices.rest == pytest.approx(1.0, abs=1e-5)
    greedy = sampler.choices(0.0, k=3)
    assert greedy.candidates[0].probability == 1.0 and greedy.rest == 0.0
    for temperature, k, message in ((6.0, 3, r"temperature must be in \[0, 5\], got 6.0"),
                                    (1.0, 0, r"k must be an integer in \[1, 50\], got 0")):
        with pytest.raises(ValueError, match=message):
            sampler.choices(temperature, k)


def test_appending_carries_the_state_like_one_forward_pass(model, word_tokenizer):
    sampler = StepSampler(model, word_tokenizer, "the cat")
    for word in ("sat", "on", "the"):
        sampler.append(word_tokenizer.index[word])
    logits, _ = model(torch.tensor([word_tokenizer.encode("the cat sat on the")]))
    assert torch.allclose(sampler.logits, logits[0, -1], atol=1e-5)
    assert sampler.text == "the cat sat on the"


def test_undo_restores_the_distribution(model, word_tokenizer):
    sampler = StepSampler(model, word_tokenizer, "the")
    before = sampler.logits.clone()
    sampler.append(word_tokenizer.index["cat"])
    middle = sampler.logits.clone()
    sampler.append(word_tokenizer.index["sat"])
    sampler.undo()
    assert torch.allclose(sampler.logits, middle, atol=1e-6) and sampler.text == "the cat"
    sampler.undo()
    assert torch.equal(sampler.logits, before) and sampler.text == "the"
    with pytest.raises(ValueError, match="nothing to undo"):
        sampler.undo()


def test_draws_follow_the_sampler_and_end_of_text_ends(model, word_tokenizer):
    with torch.no_grad():
        model.decoder.bias[EOS_ID] = -30.0
    sampler = StepSampler(model, word_tokenizer, "the", seed=3)
    drawn = [sampler.draw(0.0) for _ in range(5)]
    greedy = generate(model, word_tokenizer, "the", SamplingSettings(temperatures=[0.0], max_new_tokens=5))
    assert drawn == greedy.samples[0].token_ids
    hot = StepSampler(model, word_tokenizer, "the", seed=3)
    assert [hot.draw(1.0) for _ in range(5)] == \
        generate(model, word_tokenizer, "the", SamplingSettings(temperatures=[1.0], max_new_tokens=5, seed=3)).samples[0].token_ids
    with torch.no_grad():
        model.decoder.bias[EOS_ID] = 0.0
    ended = StepSampler(model, word_tokenizer, "the")
    assert ended.label(EOS_ID) == END_OF_TEXT
    ended.append(EOS_ID)
    assert ended.ended
    with pytest.raises(ValueError, match="the text has ended"):
        ended.append(word_tokenizer.index["cat"])
    with pytest.raises(ValueError, match="<unk> cannot be appended"):
        StepSampler(model, word_tokenizer, "the").append(UNK_ID)


def test_typed_tokens_must_be_known(model, word_tokenizer):
    sampler = StepSampler(model, word_tokenizer, "the")
    assert sampler.append_text("cat sat") == [word_tokenizer.index["cat"], word_tokenizer.index["sat"]]
    with pytest.raises(ValueError, match=r"not in the model's vocabulary: \['zebra'\]"):
        sampler.append_text("zebra")
