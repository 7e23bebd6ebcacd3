"""Tokenizers and their vocabulary: word level (torchtext's ``basic_english``
rules, rewritten, as the reference systems use; ``whitespace``: the corpus's
own tokens, case kept, as WikiText-2 and Penn Treebank figures are computed;
or ``cased``: words and punctuation as the text writes them, capitals and
colons kept, so ``ROMEO:`` comes back as ``ROMEO:``) and character level.

Two formats of word-level text, recorded in ``vocab.json``:

    eos per line (the seeds'; files naming no format)   line_breaks (lines kept)

    ROMEO:           ->  ROMEO : <eos>                   ROMEO : \n
    But soft, what   ->  But soft , what <eos>           But soft , what \n
    light?           ->  light ? <eos>                   light ? <eos>   <- a document ends
                                                          (a speech, a paragraph)

With ``line_breaks`` a line break is a token of its own (``"\n"``, shown as
a line break) and ``<eos>`` ends a document, so a sample runs over several
lines and still stops at ``<eos>``. CRLF counts as one line break.

This is the only module that knows the special tokens by name: ``<unk>`` has
id 0 and ``<eos>`` id 1, as in the reference systems. A tokenizer is saved
beside the weights as ``vocab.json``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from lm.files import read_json, write_atomic

UNK = "<unk>"
EOS = "<eos>"
SPECIALS = (UNK, EOS)
UNK_ID = 0
EOS_ID = 1
LEVELS = ("word", "char")
RULES = ("basic_english", "whitespace", "cased")  # how word-level text is split
LINE_BREAK = "\n"  # the line-break token of the line_breaks format
Gap = Callable[[str | None, str], str]  # what goes between two pieces shown one after the other: Tokenizer.gap
VOCAB_FILE = "vocab.json"

# torchtext's basic_english, applied in this order after lowercasing.
_BASIC_ENGLISH_RULES = [
    (re.compile(r"\'"), " '  "),
    (re.compile(r"\""), ""),
    (re.compile(r"\."), " . "),
    (re.compile(r"<br \/>"), " "),
    (re.compile(r","), " , "),
    (re.compile(r"\("), " ( "),
    (re.compile(r"\)"), " ) "),
    (re.compile(r"\!"), " ! "),
    (re.compile(r"\?"), " ? "),
    (re.compile(r"\;"), " "),
    (re.compile(r"\:"), " "),
    (re.compile(r"\s+"), " "),
]
# cased: a word (with its inner apostrophes and hyphens, and an apostrophe
# that opens or closes it: 'tis, o', I'll, good-morrow), a dash, a number, or
# any other single mark.
_CASED_PIECE = re.compile(r"'?[^\W\d_]+(?:['-][^\W\d_]+)*'?|--|\d+|\S")
_ATTACHES_LEFT = frozenset({",", ".", ";", ":", "?", "!", "'", "--", ")", "]"})  # no space before
_ATTACHES_RIGHT = frozenset({"--", "(", "[", LINE_BREAK})  # no space after
# Readable word-level output: punctuation hugs the word before it.
_SPACE_BEFORE_PUNCTUATION = re.compile(r" ([.,!?;:)%])")
_SPACE_AFTER_OPENING = re.compile(r"\( ")
_CONTRACTION = re.compile(r" ' (s|t|d|m|ll|re|ve)\b")
_APOSTROPHE_S = re.compile(r"(\w) ' ")


def cased(text: str) -> list[str]:
    """Split text into words and marks, case and punctuation kept."""
    return _CASED_PIECE.findall(text)


def basic_english(text: str) -> list[str]:
    """Split text into words the way torchtext's ``basic_english`` does."""
    text = text.lower()
    for pattern, replacement in _BASIC_ENGLISH_RULES:
        text = pattern.sub(replacement, text)
    return text.split()


class Tokenizer:
    """A vocabulary plus the rule that turns text into its tokens.

    ``level`` is ``"word"`` (split by ``rule``) or ``"char"`` (one token per
    character). Ids 0 and 1 are always ``<unk>`` and ``<eos>``. With
    ``line_breaks`` (word level) a line break is the token ``"\n"`` and
    ``<eos>`` ends a document; without, ``<eos>`` ends every line.
    """

    def __init__(self, level: str, tokens: list[str], rule: str = "basic_english", line_breaks: bool = False):
        if level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
        if rule not in RULES:
            raise ValueError(f"tokenizer must be one of {RULES}, got {rule!r}")
        if list(tokens[:2]) != list(SPECIALS):
            raise ValueError(f"a vocabulary must start with {SPECIALS}, got {tokens[:2]}")
        if len(set(tokens)) != len(tokens):
            raise ValueError("a vocabulary must not repeat a token")
        self.level = level
        self.rule = rule if level == "word" else "basic_english"  # characters have no word rule
        self.line_breaks = bool(line_breaks) and level == "word"  # characters keep line breaks anyway
        self.tokens = list(tokens)
        self.index = {token: i for i, token in enumerate(self.tokens)}

    unk_id = UNK_ID
    eos_id = EOS_ID

    def __len__(self) -> int:
        return len(self.tokens)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tokenizer) and (self.level, self.rule, self.line_breaks, self.tokens) == (
            other.level, other.rule, other.line_breaks, other.tokens)

    def gap(self, before: str | None, after: str) -> str:
        """What goes between two tokens shown one after the other: nothing
        between characters, around a line break, or before a mark that hugs
        the word before it (``cased``); else a space."""
        if self.level == "char" or not before:
            return ""
        if self.line_breaks and LINE_BREAK in (before, after):
            return ""
        if self.rule == "cased" and (after in _ATTACHES_LEFT or before in _ATTACHES_RIGHT):
            return ""
        return " "

    @classmethod
    def build(
        cls,
        texts: Iterable[str],
        level: str,
        min_freq: int = 1,
        max_size: int | None = None,
        rule: str = "basic_english",
        line_breaks: bool = False,
    ) -> "Tokenizer":
        """Count the pieces of ``texts`` and keep those seen ``min_freq`` times,
        most frequent first (ties in alphabetical order, as torchtext does)."""
        if min_freq < 1:
            raise ValueError(f"min_freq must be at least 1, got {min_freq}")
        if max_size is not None and max_size < len(SPECIALS) + 1:
            raise ValueError(f"max_size must be at least {len(SPECIALS) + 1}, got {max_size}")
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(split_text(text, level, rule, line_breaks))
        for special in SPECIALS:
            counts.pop(special, None)
        kept = sorted((item for item in counts.items() if item[1] >= min_freq), key=lambda item: (-item[1], item[0]))
        if max_size is not None:
            kept = kept[: max_size - len(SPECIALS)]
        return cls(level, [*SPECIALS, *(token for token, _ in kept)], rule, line_breaks)

    def split(self, text: str) -> list[str]:
        """The pieces of ``text`` before lookup (words or characters)."""
        return split_text(text, self.level, self.rule, self.line_breaks)

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; pieces outside the vocabulary become ``<unk>``."""
        index = self.index
        return [index.get(piece, UNK_ID) for piece in self.split(text)]

    def unknown_pieces(self, text: str) -> list[str]:
        """The pieces of ``text`` that the vocabulary does not hold, in order."""
        return [piece for piece in self.split(text) if piece not in self.index]

    def encode_lines(self, lines: Iterable[str], eos_after_each: bool) -> list[int]:
        """Ids of a whole split: lines (or, with ``line_breaks``, documents)
        concatenated, ``<eos>`` after each one when ``eos_after_each``."""
        ids: list[int] = []
        for line in lines:
            ids.extend(self.encode(line))
            if eos_after_each:
                ids.append(EOS_ID)
        return ids

    def token(self, token_id: int) -> str:
        return self.tokens[token_id]

    def decode(self, ids: Iterable[int]) -> str:
        """Readable text: characters joined as they are; words joined by
        spaces with punctuation attached to the word before it, line by line.
        ``<eos>`` ends a line (with ``line_breaks``: a document, so a blank
        line follows)."""
        pieces = [self.tokens[i] for i in ids]
        if self.level == "char":
            return "".join("\n" if piece == EOS else piece for piece in pieces)
        ends = {EOS: "\n\n", LINE_BREAK: "\n"} if self.line_breaks else {EOS: "\n"}
        text, line = [], []
        for piece in pieces:
            if piece in ends:
                text.append(self._join_line(line) + ends[piece])
                line = []
            else:
                line.append(piece)
        return "".join(text) + self._join_line(line)

    def _join_line(self, pieces: list[str]) -> str:
        if self.rule == "whitespace":  # the corpus's own tokens, spaced as it spaces them
            return " ".join(pieces)
        if self.rule == "basic_english":
            return tidy_words(pieces)
        return joined(pieces, self.gap)

    def to_json(self) -> dict:
        rule = {"rule": self.rule} if self.rule != "basic_english" else {}  # older files name no rule
        line_breaks = {"line_breaks": True} if self.line_breaks else {}  # nor a format
        return {"level": self.level, **rule, **line_breaks, "tokens": self.tokens}

    @classmethod
    def from_json(cls, data: dict) -> "Tokenizer":
        if not isinstance(data, dict) or not isinstance(data.get("tokens"), list):
            raise ValueError("vocabulary JSON must be an object with a 'tokens' list")
        if not all(isinstance(token, str) for token in data["tokens"]):
            raise ValueError("vocabulary tokens must all be strings")
        if not isinstance(data.get("line_breaks", False), bool):
            raise ValueError("vocabulary 'line_breaks' must be true or false")
        return cls(data.get("level"), data["tokens"], data.get("rule", "basic_english"), data.get("line_breaks", False))

    def save(self, folder: str | Path) -> Path:
        path = Path(folder) / VOCAB_FILE
        write_atomic(path, json.dumps(self.to_json(), ensure_ascii=False).encode("utf-8"))
        return path

    @classmethod
    def load(cls, folder: str | Path) -> "Tokenizer":
        return cls.from_json(read_json(Path(folder) / VOCAB_FILE))


_WORD_RULES = {"basic_english": basic_english, "whitespace": str.split, "cased": cased}


def split_text(text: str, level: str, rule: str = "basic_english", line_breaks: bool = False) -> list[str]:
    if level == "word" and line_breaks:
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        pieces = _WORD_RULES[rule](lines[0])
        for line in lines[1:]:
            pieces += [LINE_BREAK, *_WORD_RULES[rule](line)]
        return pieces
    if level == "word":
        return _WORD_RULES[rule](text)
    if level == "char":
        return list(text)
    raise ValueError(f"level must be one of {LEVELS}, got {level!r}")


def tail_piece(text: str) -> str | None:
    """The last piece of text already shown, as ``Tokenizer.gap`` needs it:
    a line break, its last word, or None when nothing is shown."""
    if text.endswith(("\n", "\r")):
        return LINE_BREAK
    words = text.split()
    return words[-1] if words else None


def joined(pieces: Iterable[str], gap: Gap, before: str | None = None) -> str:
    """``pieces`` shown one after the other, ``gap`` between them (``before``:
    the piece shown just ahead of the first)."""
    text = []
    for piece in pieces:
        text.append(gap(before, piece) + piece)
        before = piece
    return "".join(text)


def _lines(words: list[str]) -> list[list[str]]:
    """The words between ``<eos>`` tokens, one list per line."""
    lines, current = [], []
    for word in words:
        if word == EOS:
            lines.append(current)
            current = []
        else:
            current.append(word)
    lines.append(current)
    return lines


def tidy_words(words: list[str]) -> str:
    """Join words with spaces, then undo the spaces tokenizing put around
    punctuation; ``<eos>`` becomes a line break."""
    texts = []
    for line in _lines(words):
        text = " ".join(line)
        text = _CONTRACTION.sub(r"'\1", text)
        text = _APOSTROPHE_S.sub(r"\1' ", text)
        text = _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)
        text = _SPACE_AFTER_OPENING.sub("(", text)
        texts.append(text)
    return "\n".join(texts)
