import pytest

from lm.tokenizer import EOS, EOS_ID, UNK, UNK_ID, Tokenizer, basic_english


@pytest.mark.parametrize(
    "text, words",
    [
        ("Hello, World!", ["hello", ",", "world", "!"]),
        ("Don't stop.", ["don", "'", "t", "stop", "."]),
        ('He said "no" (twice); ok: fine?', ["he", "said", "no", "(", "twice", ")", "ok", "fine", "?"]),
        ("line one<br />line two", ["line", "one", "line", "two"]),
        ("  spaced\tout\n", ["spaced", "out"]),
    ],
)
def test_basic_english_matches_torchtext_rules(text, words):
    assert basic_english(text) == words


def test_specials_come_first_and_frequency_orders_the_rest():
    tokenizer = Tokenizer.build(["b a a c c c"], "word")
    assert tokenizer.tokens == [UNK, EOS, "c", "a", "b"]
    assert (tokenizer.unk_id, tokenizer.eos_id) == (UNK_ID, EOS_ID) == (0, 1)


def test_min_freq_and_max_size():
    tokenizer = Tokenizer.build(["a a a b b c"], "word", min_freq=2)
    assert tokenizer.tokens == [UNK, EOS, "a", "b"]
    assert Tokenizer.build(["a a a b b c"], "word", max_size=3).tokens == [UNK, EOS, "a"]


def test_unknown_words_become_unk():
    tokenizer = Tokenizer.build(["the cat"], "word")
    assert tokenizer.encode("the dog") == [tokenizer.index["the"], UNK_ID]
    assert tokenizer.unknown_pieces("the dog") == ["dog"]


def test_word_decode_is_readable():
    tokenizer = Tokenizer.build(["hello , world ! it ' s ( really ) fine . don ' t"], "word")
    ids = tokenizer.encode("Hello, world! It's (really) fine. Don't")
    assert tokenizer.decode(ids) == "hello, world! it's (really) fine. don't"


def test_char_round_trip():
    text = "First Citizen:\nBefore we proceed"
    tokenizer = Tokenizer.build([text], "char")
    assert tokenizer.decode(tokenizer.encode(text)) == text


def test_eos_after_each_line():
    tokenizer = Tokenizer.build(["a b", "c"], "word")
    ids = tokenizer.encode_lines(["a b", "c"], eos_after_each=True)
    assert ids[2] == EOS_ID and ids[-1] == EOS_ID and len(ids) == 5


def test_save_and_load_round_trip(tmp_path):
    tokenizer = Tokenizer.build(["naïve café ☕"], "char")
    tokenizer.save(tmp_path)
    assert Tokenizer.load(tmp_path) == tokenizer


def test_bad_vocabularies_are_refused():
    with pytest.raises(ValueError, match="must start with"):
        Tokenizer("word", ["a", "b"])
    with pytest.raises(ValueError, match="level"):
        Tokenizer("byte", [UNK, EOS])
