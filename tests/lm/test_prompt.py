import pytest

from lm.prompt import encode_prompt
from lm.tokenizer import EOS_ID, UNK_ID, Tokenizer


def test_prompt_handling(word_tokenizer):
    prompt = encode_prompt(word_tokenizer, "the zebra sat")
    assert prompt.unknown == ["zebra"] and UNK_ID in prompt.ids
    assert encode_prompt(word_tokenizer, "").ids == [EOS_ID]
    chars = Tokenizer.build(["abc"], "char")
    dropped = encode_prompt(chars, "abxc☕")
    assert dropped.unknown == ["x", "☕"] and dropped.ids == chars.encode("abc")
    with pytest.raises(ValueError, match="prompt is .* characters long; the limit is"):
        encode_prompt(word_tokenizer, "a" * 100_000)


def test_a_prompt_keeps_each_piece_with_the_id_the_model_reads(word_tokenizer):
    words = encode_prompt(word_tokenizer, "The zebra sat")
    assert words.pieces == [("the", word_tokenizer.index["the"], True), ("zebra", UNK_ID, False),
                            ("sat", word_tokenizer.index["sat"], True)]
    chars = Tokenizer.build(["abc"], "char")
    assert encode_prompt(chars, "ax").pieces == [("a", chars.index["a"], True), ("x", None, False)]
    assert encode_prompt(chars, "").pieces == [] and encode_prompt(chars, "x").fresh_start
