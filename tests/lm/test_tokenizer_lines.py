"""Word text in lines: the ``cased`` rule, line breaks as tokens, ``<eos>``
ending a document, and older checkpoints (``<eos>`` after every line) loading
and sampling exactly as before."""

from __future__ import annotations

import json

import pytest

import lm
from lm.corpora import documents, load_corpus
from lm.tokenizer import EOS, LINE_BREAK, Tokenizer, cased
from tests.support.paths import REPO

OLD_FORMAT = REPO / "tests" / "fixtures" / "old-word-format"
SPEECHES = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\n"
            "ROMEO:\nBut soft! what light--'tis the east,\r\nAnd o' the sun.\n")


def test_the_cased_rule_keeps_capitals_colons_and_marks_as_written():
    assert cased("KING RICHARD III:") == ["KING", "RICHARD", "III", ":"]
    assert cased("'Tis o' the KING'S--good-morrow, I'll say!") == [
        "'Tis", "o'", "the", "KING'S", "--", "good-morrow", ",", "I'll", "say", "!"]
    tokenizer = Tokenizer.build([SPEECHES], "word", rule="cased", line_breaks=True)
    for line in ("First Citizen:", "Before we proceed any further, hear me speak.", "But soft! what light--'tis the east,"):
        assert tokenizer.decode(tokenizer.encode(line)) == line


def test_a_line_break_is_a_token_and_eos_ends_a_document(tmp_path):
    path = tmp_path / "speeches.txt"
    path.write_bytes(SPEECHES.encode("utf-8"))
    corpus = load_corpus(text_file=str(path), level="word")
    assert corpus.line_breaks and corpus.rule == "cased"
    tokenizer = Tokenizer.build(documents(SPEECHES), "word", rule="cased", line_breaks=True)
    ids = tokenizer.encode_lines(documents(SPEECHES), eos_after_each=True)
    pieces = [tokenizer.token(token_id) for token_id in ids]
    assert pieces[:6] == ["First", "Citizen", ":", LINE_BREAK, "Before", "we"]
    assert pieces.count(EOS) == 3 and pieces[-1] == EOS  # one per speech, not one per line
    assert pieces.count(LINE_BREAK) == 4  # CRLF is one line break, and a speech's last line needs none
    assert tokenizer.decode(ids).startswith("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:")

    tokenizer.save(tmp_path)  # the format is recorded, and read back
    saved = json.loads((tmp_path / "vocab.json").read_text(encoding="utf-8"))
    assert saved["rule"] == "cased" and saved["line_breaks"] is True
    assert Tokenizer.load(tmp_path) == tokenizer


def test_a_model_of_the_older_format_is_fed_eos_after_every_line(tmp_path):
    path = tmp_path / "speeches.txt"
    path.write_text(SPEECHES * 40, encoding="utf-8")
    corpus = load_corpus(text_file=str(path), level="word")
    old = Tokenizer.build(corpus.splits["train"], "word")  # basic_english, no line_breaks: the seeds' format
    lines = [line for line in (SPEECHES * 40).split("\n") if line.strip()]
    every_line = old.encode_lines(lines, eos_after_each=True)
    assert corpus.encode("train", old) + corpus.encode("valid", old) + corpus.encode("test", old) == every_line


def test_the_old_format_fixture_samples_exactly_as_recorded():
    golden = json.loads((OLD_FORMAT / "golden.json").read_text(encoding="utf-8"))
    model, tokenizer = lm.load(str(OLD_FORMAT))
    assert not tokenizer.line_breaks and tokenizer.rule == "basic_english"
    for case in golden["generate"]:
        settings = {key: value for key, value in case.items() if key not in ("texts", "ended", "token_ids")}
        samples = lm.generate(model, tokenizer, **settings)
        assert samples.texts == case["texts"]
        assert [sample.token_ids for sample in samples.samples] == case["token_ids"]
        assert [sample.ended for sample in samples.samples] == case["ended"]
    assert tokenizer.encode_lines(golden["encode_lines"]["lines"], True) == golden["encode_lines"]["ids"]
    assert tokenizer.decode(golden["encode_lines"]["ids"]) == golden["decode"]


@pytest.mark.parametrize("rule", ["basic_english", "whitespace"])
def test_a_vocabulary_file_naming_no_format_has_eos_after_every_line(rule):
    tokenizer = Tokenizer.from_json({"level": "word", "rule": rule, "tokens": ["<unk>", "<eos>", "a", "b"]})
    assert not tokenizer.line_breaks
    assert tokenizer.encode_lines(["a b", "b\r\na"], True) == [2, 3, 1, 3, 2, 1]
    with pytest.raises(ValueError, match="line_breaks"):
        Tokenizer.from_json({"level": "word", "line_breaks": "yes", "tokens": ["<unk>", "<eos>"]})
