"""Named corpora: where each one comes from and how it is split.

Every corpus is returned as a ``Corpus``: lines of text for ``train``,
``valid`` and ``test``, plus how they are tokenized. This is the only module
that knows Hub dataset ids. Hub corpora (and a local copy of one) are read
through Hugging Face ``datasets``; Tiny Shakespeare is downloaded once and cached
(``lm.files``, standard library only); Human
Numbers is generated and local text files are read in plain Python.

Text written in lines (Tiny Shakespeare, a user's own text) is kept as
documents at word level, so a model learns where lines break and where a
speech or paragraph ends (``Corpus.line_breaks``; the tokenizer's docstring
draws the format). The seeds' corpora and Human Numbers are read as before.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lm.files import download_text, read_text_file
from lm.tokenizer import Tokenizer

SPLITS = ("train", "valid", "test")
TINY_SHAKESPEARE_URL = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
CNN_DAILYMAIL = ("abisee/cnn_dailymail", "2.0.0")
IMDB = "stanfordnlp/imdb"
HARRY_POTTER = "KaungHtetCho/Harry_Potter_LSTM"
# What the model card names as each corpus's dataset on the Hub.
HUB_DATASET_IDS = {
    "tiny-shakespeare": "karpathy/tiny_shakespeare",
    "cnn-dailymail": CNN_DAILYMAIL[0],
    "imdb": IMDB,
    "harry-potter": HARRY_POTTER,
}
CNN_DAILYMAIL_TRAIN_ROWS = 10_000
CNN_DAILYMAIL_SEED = 1234
IMDB_VALID_FRACTION = 0.05
FOLDER_SPLIT_FILES = {"train": "train.txt", "valid": "valid.txt", "test": "test.txt"}


@dataclass
class Corpus:
    """Text of each split as lines; ``eos_after_each`` puts ``<eos>`` after
    every line when the lines are separate documents or sentences. With
    ``line_breaks`` each entry is a document of several lines (a speech, a
    paragraph) whose line breaks are tokens; ``rule`` is the word tokenizer
    the corpus is read with unless a run names another."""

    name: str
    level: str
    splits: dict[str, list[str]]
    eos_after_each: bool
    min_freq: int = 1
    source: str = ""
    line_breaks: bool = False
    rule: str = "basic_english"

    def sizes(self) -> dict[str, int]:
        return {split: sum(len(line) for line in lines) for split, lines in self.splits.items()}

    def encode(self, split: str, tokenizer: Tokenizer) -> list[int]:
        """Ids of ``split`` in ``tokenizer``'s format: documents with their
        line breaks, or, for a tokenizer of the older format, ``<eos>`` after
        every line, exactly as such models were trained."""
        entries = self.splits[split]
        if self.line_breaks and not tokenizer.line_breaks:
            entries = [line for entry in entries for line in entry.split("\n")]
        return tokenizer.encode_lines(entries, self.eos_after_each)


def local_tiny_shakespeare() -> Path | None:
    """A local copy of Tiny Shakespeare: ``$TINY_SHAKESPEARE``, else
    ``shared/data/tinyshakespeare.txt`` beside the repository, else None."""
    beside_repository = Path(__file__).resolve().parents[2] / "shared" / "data" / "tinyshakespeare.txt"
    for candidate in (os.environ.get("TINY_SHAKESPEARE"), beside_repository):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


class CorpusUnavailable(RuntimeError):
    """The corpus could not be fetched; the message says how to use a local copy."""


# ----- Human Numbers ---------------------------------------------------------

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(number: int) -> str:
    """English words for 1 … 9,999 as fastai's Human Numbers spells them
    (``eight thousand three hundred forty five``)."""
    if not 1 <= number <= 9999:
        raise ValueError(f"number must be in [1, 9999], got {number}")
    words = []
    thousands, rest = divmod(number, 1000)
    hundreds, rest = divmod(rest, 100)
    if thousands:
        words += [_ONES[thousands], "thousand"]
    if hundreds:
        words += [_ONES[hundreds], "hundred"]
    if rest >= 20:
        words.append(_TENS[rest // 10])
        if rest % 10:
            words.append(_ONES[rest % 10])
    elif rest:
        words.append(_ONES[rest])
    return " ".join(words)


def _human_numbers(text_file: str | None, level: str | None, revision: str | None = None) -> Corpus:
    """1 … 8,000 in words for train, 8,001 … 9,999 for valid (and test), joined by `` . ``."""
    train = " . ".join(number_words(number) for number in range(1, 8001))
    valid = " . ".join(number_words(number) for number in range(8001, 10_000))
    return Corpus("human-numbers", level or "word", {"train": [train], "valid": [valid], "test": [valid]}, False, 1, "generated")


# ----- Plain text ------------------------------------------------------------


def _split_by_position(text: str, fractions: tuple[float, ...], at_line_breaks: bool) -> list[str]:
    """Cut ``text`` into consecutive pieces of the given fractions, moving each
    cut to the next line break when ``at_line_breaks``."""
    pieces, start = [], 0
    for fraction in fractions[:-1]:
        cut = start + int(len(text) * fraction)
        if at_line_breaks:
            newline = text.find("\n", max(cut - 1, start))
            cut = len(text) if newline < 0 else newline + 1
        pieces.append(text[start:cut])
        start = cut
    pieces.append(text[start:])
    return pieces


def _as_lines(text: str, level: str, blank_lines: bool = False) -> list[str]:
    """Word level: one entry per document (lines between blank lines, each
    document followed by ``<eos>``), or per line with ``blank_lines``;
    character level: the text as one piece, line breaks kept."""
    if level == "word" and blank_lines:
        lines = text.split("\n")
        return lines[:-1] if lines and lines[-1] == "" else lines
    if level == "word":
        return documents(text)
    return [text]


def documents(text: str) -> list[str]:
    """The blocks of non-blank lines of ``text``, in order (CRLF read as one
    line break)."""
    blocks, current = [], []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return blocks


def _local_text(text_file: str, level: str, name: str, blank_lines: bool = False) -> Corpus:
    path = Path(text_file)
    if path.is_dir():
        files = {split: path / file for split, file in FOLDER_SPLIT_FILES.items()}
        missing = [str(file) for file in files.values() if not file.is_file()]
        if missing:
            raise FileNotFoundError(f"a corpus folder needs train.txt, valid.txt and test.txt; missing {missing}")
        texts = {split: read_text_file(file) for split, file in files.items()}
    elif path.is_file():
        whole = read_text_file(path)
        texts = dict(zip(SPLITS, _split_by_position(whole, (0.9, 0.05, 0.05), at_line_breaks=level == "word")))
    else:
        raise FileNotFoundError(f"text file {text_file} does not exist")
    splits = {split: _as_lines(texts[split], level, blank_lines) for split in SPLITS}
    in_lines = level == "word" and not blank_lines
    return Corpus(name, level, splits, level == "word", 1, str(path), in_lines, "cased" if in_lines else "basic_english")


def _tiny_shakespeare(text_file: str | None, level: str | None, revision: str | None = None) -> Corpus:
    level = level or "char"
    url = os.environ.get("LM_TINY_SHAKESPEARE_URL") or TINY_SHAKESPEARE_URL
    source = text_file or url
    if text_file:
        whole = read_text_file(text_file)
    else:
        try:
            whole = download_text(url)
        except (OSError, ValueError) as error:  # no network, a refused or cut download, a bad reply
            raise _unavailable("tiny-shakespeare", url, error) from error
    train, valid = _split_by_position(whole, (0.9, 0.1), at_line_breaks=False)
    splits = {"train": _as_lines(train, level), "valid": _as_lines(valid, level)}
    splits["test"] = splits["valid"]
    in_lines = level == "word"
    return Corpus("tiny-shakespeare", level, splits, in_lines, 1, source, in_lines, "cased" if in_lines else "basic_english")


# ----- Hub corpora -----------------------------------------------------------


def _hub_dataset(name: str, text_file: str | None, revision: str | None, hub_id: str, config: str | None = None):
    """``datasets.load_dataset`` on the Hub id at ``revision`` (a branch, tag
    or commit; default the dataset's main branch), or on a local folder
    holding the same files (parquet or text) when ``text_file`` is given."""
    import datasets

    try:
        if text_file:
            return datasets.load_dataset(text_file)
        return datasets.load_dataset(hub_id, config, revision=revision)
    except Exception as error:
        raise _unavailable(name, hub_id, error) from error


def _cnn_dailymail(text_file: str | None, level: str | None, revision: str | None = None) -> Corpus:
    import numpy

    table = _hub_dataset("cnn-dailymail", text_file, revision, *CNN_DAILYMAIL)
    train = table["train"]
    chosen = numpy.random.default_rng(CNN_DAILYMAIL_SEED).choice(len(train), size=CNN_DAILYMAIL_TRAIN_ROWS, replace=False)
    # The reference filters by index, which keeps the dataset's own order.
    splits = {
        "train": train.select(sorted(chosen.tolist()))["highlights"],
        "valid": table["validation"]["highlights"],
        "test": table["test"]["highlights"],
    }
    return Corpus("cnn-dailymail", level or "word", splits, True, 3, text_file or CNN_DAILYMAIL[0])


def _imdb(text_file: str | None, level: str | None, revision: str | None = None) -> Corpus:
    table = _hub_dataset("imdb", text_file, revision, IMDB)
    held_out = table["train"].train_test_split(test_size=IMDB_VALID_FRACTION, seed=0)
    splits = {
        "train": held_out["train"]["text"],
        "valid": held_out["test"]["text"],
        "test": table["test"]["text"],
    }
    return Corpus("imdb", level or "word", splits, True, 5, text_file or IMDB)


def _harry_potter(text_file: str | None, level: str | None, revision: str | None = None) -> Corpus:
    table = _hub_dataset("harry-potter", text_file, revision, HARRY_POTTER)
    splits = {
        split: [line for line in table[hub_split]["text"] if line.strip()]
        for split, hub_split in (("train", "train"), ("valid", "validation"), ("test", "test"))
    }
    return Corpus("harry-potter", level or "word", splits, True, 3, text_file or HARRY_POTTER)


def _unavailable(name: str, source: str, error: Exception) -> CorpusUnavailable:
    return CorpusUnavailable(
        f"corpus {name!r} could not be loaded from {source} ({type(error).__name__}: {error}). "
        f"Without network access, download it elsewhere and pass the local copy: "
        f"--corpus {name} --text-file PATH"
    )


CORPORA: dict[str, Callable[[str | None, str | None, str | None], Corpus]] = {
    "human-numbers": _human_numbers,
    "tiny-shakespeare": _tiny_shakespeare,
    "cnn-dailymail": _cnn_dailymail,
    "imdb": _imdb,
    "harry-potter": _harry_potter,
}


def default_level(name: str | None) -> str:
    """The tokenization a corpus uses unless told otherwise."""
    return "char" if name == "tiny-shakespeare" else "word"


def load_corpus(name: str | None = None, text_file: str | None = None, level: str | None = None,
                revision: str | None = None, blank_lines: bool = False) -> Corpus:
    """A named corpus (optionally read from a local copy; from the Hub at
    ``revision`` when given), or, with no name, the local text file or folder
    ``text_file`` at ``level`` (default word; with ``blank_lines``, a blank
    line is a line too, as the PyTorch word-language-model example reads files)."""
    if level is not None and level not in ("word", "char"):
        raise ValueError(f"level must be 'word' or 'char', got {level!r}")
    if name is None:
        if text_file is None:
            raise ValueError("give a corpus name or a text file")
        return _local_text(text_file, level or "word", Path(text_file).stem, blank_lines)
    if name not in CORPORA:
        raise ValueError(f"unknown corpus {name!r}; known corpora are {sorted(CORPORA)}")
    return CORPORA[name](text_file, level, revision)
