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
