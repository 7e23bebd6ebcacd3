import math

import pytest

from lm.scoring import evaluate
from lm.scoring import score
from lm.tokenizer import EOS_ID


def test_score_agrees_with_the_evaluation_loss(tiny_model, word_tokenizer):
    text = "the cat sat on the mat . the dog ran"
    result = score(tiny_model, word_tokenizer, text)
    ids = [EOS_ID, *word_tokenizer.encode(text)]
    loss = evaluate(tiny_model, ids, batch_size=1, bptt=4)["loss"]
    assert math.log(result.perplexity) == pytest.approx(loss, rel=1e-5)
    assert len(result.surprisals) == len(ids) - 1 and all(value >= 0 for value in result.surprisals)


def test_evaluation_reports_the_perplexity_without_unknown_targets(tiny_model, word_tokenizer):
    text = "the cat sat on the zebra . the dog ran to the quokka"  # two words outside the vocabulary
    result = score(tiny_model, word_tokenizer, text)
    ids = [EOS_ID, *word_tokenizer.encode(text)]
    figures = evaluate(tiny_model, ids, batch_size=1, bptt=4)
    known = [-value for piece, value in zip(result.pieces, result.log_probabilities) if piece != "<unk>"]
    assert figures["unknown_tokens"] == len(result.surprisals) - len(known) >= 2
    assert math.log(figures["known_perplexity"]) == pytest.approx(sum(known) / len(known), rel=1e-5)
