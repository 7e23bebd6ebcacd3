"""Tokenizers and their vocabulary: word level (torchtext's ``basic_english``
rules, rewritten, as the reference systems use; or ``whitespace``: the
corpus's own tokens, case kept, as WikiText-2 and Penn Treebank figures are
computed) and character level.

This is the only module that knows the special tokens by name: ``<unk>`` has
id 0 and ``<eos>`` id 1, as in the reference systems. A tokenizer is saved
beside the weights as ``vocab.json``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from lm.files import read_json, write_atomic

UNK = "<unk>"
EOS = "<eos>"
SPECIALS = (UNK, EOS)
UNK_ID = 0
EOS_ID = 1
LEVELS = ("word", "char")
RULES = ("basic_english", "whitespace")  # how word-level text is split
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
# Readable word-level output: punctuation hugs the word before it.
_SPACE_BEFORE_PUNCTUATION = re.compile(r" ([.,!?;:)%])")
_SPACE_AFTER_OPENING = re.compile(r"\( ")
_CONTRACTION = re.compile(r" ' (s|t|d|m|ll|re|ve)\b")
_APOSTROPHE_S = re.compile(r"(\w) ' ")


def basic_english(text: str) -> list[str]:
    """Split text into words the way torchtext's ``basic_english`` does."""
    text = text.lower()
    for pattern, replacement in _BASIC_ENGLISH_RULES:
        text = pattern.sub(replacement, text)
    return text.split()


class Tokenizer:
    """A vocabulary plus the rule that turns text into its tokens.

    ``level`` is ``"word"`` (basic_english words) or ``"char"`` (one token per
    character). Ids 0 and 1 are always ``<unk>`` and ``<eos>``.
    """

    def __init__(self, level: str, tokens: list[str], rule: str = "basic_english"):
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
        self.tokens = list(tokens)
        self.index = {token: i for i, token in enumerate(self.tokens)}

    unk_id = UNK_ID
    eos_id = EOS_ID

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def joiner(self) -> str:
        """What goes between tokens shown one by one: a space between words,
        nothing between characters."""
        return " " if self.level == "word" else ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Tokenizer) and (self.level, self.rule, self.tokens) == (other.level, other.rule,
                                                                                         other.tokens)

    @classmethod
    def build(
        cls,
        texts: Iterable[str],
        level: str,
        min_freq: int = 1,
        max_size: int | None = None,
        rule: str = "basic_english",
    ) -> "Tokenizer":
        """Count the pieces of ``texts`` and keep those seen ``min_freq`` times,
        most frequent first (ties in alphabetical order, as torchtext does)."""
        if min_freq < 1:
            raise ValueError(f"min_freq must be at least 1, got {min_freq}")
        if max_size is not None and max_size < len(SPECIALS) + 1:
            raise ValueError(f"max_size must be at least {len(SPECIALS) + 1}, got {max_size}")
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(split_text(text, level, rule))
        for special in SPECIALS:
            counts.pop(special, None)
        kept = sorted((item for item in counts.items() if item[1] >= min_freq), key=lambda item: (-item[1], item[0]))
        if max_size is not None:
            kept = kept[: max_size - len(SPECIALS)]
        return cls(level, [*SPECIALS, *(token for token, _ in kept)], rule)

    def split(self, text: str) -> list[str]:
        """The pieces of ``text`` before lookup (words or characters)."""
        return split_text(text, self.level, self.rule)

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``; pieces outside the vocabulary become ``<unk>``."""
        index = self.index
        return [index.get(piece, UNK_ID) for piece in self.split(text)]

    def unknown_pieces(self, text: str) -> list[str]:
        """The pieces of ``text`` that the vocabulary does not hold, in order."""
        return [piece for piece in self.split(text) if piece not in self.index]

    def encode_lines(self, lines: Iterable[str], eos_after_each: bool) -> list[int]:
        """Ids of a whole split: lines concatenated, ``<eos>`` after each one
        when ``eos_after_each`` (the word-level convention of the seeds)."""
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
        spaces with punctuation attached to the word before it."""
        pieces = [self.tokens[i] for i in ids]
        if self.level == "char":
            return "".join("\n" if piece == EOS else piece for piece in pieces)
        if self.rule == "whitespace":  # the corpus's own tokens, spaced as it spaces them
            return "\n".join(" ".join(line) for line in _lines(pieces))
        return tidy_words(pieces)

    def to_json(self) -> dict:
        rule = {"rule": self.rule} if self.rule != "basic_english" else {}  # older files name no rule
        return {"level": self.level, **rule, "tokens": self.tokens}

    @classmethod
    def from_json(cls, data: dict) -> "Tokenizer":
        if not isinstance(data, dict) or not isinstance(data.get("tokens"), list):
            raise ValueError("vocabulary JSON must be an object with a 'tokens' list")
        if not all(isinstance(token, str) for token in data["tokens"]):
            raise ValueError("vocabulary tokens must all be strings")
        return cls(data.get("level"), data["tokens"], data.get("rule", "basic_english"))

    def save(self, folder: str | Path) -> Path:
        path = Path(folder) / VOCAB_FILE
        write_atomic(path, json.dumps(self.to_json(), ensure_ascii=False).encode("utf-8"))
        return path

    @classmethod
    def load(cls, folder: str | Path) -> "Tokenizer":
        return cls.from_json(read_json(Path(folder) / VOCAB_FILE))


def split_text(text: str, level: str, rule: str = "basic_english") -> list[str]:
    if level == "word":
        return text.split() if rule == "whitespace" else basic_english(text)
    if level == "char":
        return list(text)
    raise ValueError(f"level must be one of {LEVELS}, got {level!r}")


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
