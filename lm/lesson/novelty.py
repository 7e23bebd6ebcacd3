"""Copied or new? A compact index of the training text's n-grams (token-id
n-grams: 12 characters for character models, 4 words for word models) kept
beside a checkpoint, so that generated text can be checked for spans copied
verbatim from the training text on a machine that does not have that text.

The index is a Bloom filter over hashes of the n-grams: it holds no text, a
few bits per n-gram (``training_index.safetensors`` with its settings in the
file's metadata), answers "seen" for every n-gram of the training text, and
for an n-gram that never occurred says "seen" with a small probability
(sized for ``FALSE_POSITIVE_RATE``; ``false_positive_rate`` measures it).

    python -m lm novelty CHECKPOINT [--text-file PATH]   # add an index to an existing checkpoint
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy
import torch
from safetensors import safe_open
from safetensors.torch import save as serialize

from lm.files import write_atomic

INDEX_FILE = "training_index.safetensors"
NGRAM_LENGTH = {"char": 12, "word": 4}
FALSE_POSITIVE_RATE = 0.005
MAX_INDEX_BYTES = 5_000_000
_MULTIPLIER = numpy.uint64(0x9E3779B97F4A7C15)


def _mix(values: numpy.ndarray) -> numpy.ndarray:
    """splitmix64's finaliser: well-spread 64-bit hashes. ``values``: uint64."""
    values = (values ^ (values >> numpy.uint64(30))) * numpy.uint64(0xBF58476D1CE4E5B9)
    values = (values ^ (values >> numpy.uint64(27))) * numpy.uint64(0x94D049BB133111EB)
    return values ^ (values >> numpy.uint64(31))


def _hash_rows(rows: numpy.ndarray) -> numpy.ndarray:
    """One 64-bit hash per row of token ids. ``rows``: (N, L) uint64 -> (N,)."""
    hashes = numpy.zeros(len(rows), dtype=numpy.uint64)
    with numpy.errstate(over="ignore"):
        for offset in range(rows.shape[1]):
            hashes = _mix(hashes * _MULTIPLIER + rows[:, offset] + numpy.uint64(1))
    return hashes


def ngram_hashes(ids, length: int) -> numpy.ndarray:
    """One 64-bit hash per ``length``-token window of ``ids``: ``(N - length + 1,)``."""
    ids = numpy.asarray(ids, dtype=numpy.uint64)
    if len(ids) < length:
        return numpy.zeros(0, dtype=numpy.uint64)
    return _hash_rows(numpy.lib.stride_tricks.sliding_window_view(ids, length))  # windows: (N - L + 1, L)


@dataclass
class NgramIndex:
    """A Bloom filter of token-id n-grams of one length."""

    length: int  # tokens per n-gram
    bits: numpy.ndarray  # (M / 8,) uint8
    probes: int  # bits set per n-gram
    ngrams: int  # distinct n-grams indexed

    @classmethod
    def build(cls, ids, length: int, rate: float = FALSE_POSITIVE_RATE) -> "NgramIndex":
        hashes = numpy.unique(ngram_hashes(ids, length))
        size = max(64, math.ceil(-len(hashes) * math.log(rate) / math.log(2) ** 2))  # bits
        size = min(8 * ((size + 7) // 8), 8 * MAX_INDEX_BYTES)
        probes = max(1, round(size / max(len(hashes), 1) * math.log(2)))
        index = cls(length, numpy.zeros(size // 8, dtype=numpy.uint8), probes, len(hashes))
        positions = index._positions(hashes)  # (N, K)
        numpy.bitwise_or.at(index.bits, positions // 8, (1 << (positions % 8)).astype(numpy.uint8))
        return index

    def _positions(self, hashes: numpy.ndarray) -> numpy.ndarray:
        """``(N, K)`` bit positions of each hash (double hashing)."""
        size = numpy.uint64(8 * len(self.bits))
        first, second = hashes, _mix(hashes ^ numpy.uint64(0x5555555555555555)) | numpy.uint64(1)
        steps = numpy.arange(self.probes, dtype=numpy.uint64)
        with numpy.errstate(over="ignore"):
            return ((first[:, None] + steps[None, :] * second[:, None]) % size).astype(numpy.int64)

    def contains(self, hashes: numpy.ndarray) -> numpy.ndarray:
        """``(N,)`` bool: whether each n-gram hash was (probably) indexed."""
        if len(hashes) == 0:
            return numpy.zeros(0, dtype=bool)
        positions = self._positions(hashes)
        return ((self.bits[positions // 8] >> (positions % 8)) & 1).astype(bool).all(axis=1)

    def copied(self, ids: list[int], start: int = 0) -> list[bool]:
        """Per token of ``ids[start:]``: whether it lies in an n-gram of
        ``ids`` that occurs in the training text (``ids[:start]``, the prompt,
        gives context but is not judged)."""
        marks = numpy.zeros(len(ids), dtype=bool)
        for window, seen in enumerate(self.contains(ngram_hashes(ids, self.length))):
            if seen:
                marks[window: window + self.length] = True
        return marks[start:].tolist()

    def save(self, folder: str | Path) -> Path:
        path = Path(folder) / INDEX_FILE
        metadata = {"length": str(self.length), "probes": str(self.probes), "ngrams": str(self.ngrams)}
        write_atomic(path, serialize({"bits": torch.from_numpy(self.bits)}, metadata=metadata))
        return path

    @classmethod
    def load(cls, folder: str | Path) -> "NgramIndex | None":
        """The folder's index, or None when it has none."""
        path = Path(folder) / INDEX_FILE
        if not path.is_file():
            return None
        with safe_open(path, "pt") as file:
            metadata = file.metadata() or {}
            bits = file.get_tensor("bits").numpy()
        return cls(int(metadata["length"]), bits, int(metadata["probes"]), int(metadata["ngrams"]))


def false_positive_rate(index: NgramIndex, training_ids, alphabet: list[int], samples: int = 100_000,
                        seed: int = 0) -> float:
    """The share of random n-grams over ``alphabet`` (token ids) that never
    occur in ``training_ids`` yet the index calls seen."""
    generator = numpy.random.default_rng(seed)
    random_ids = generator.choice(numpy.asarray(alphabet, dtype=numpy.uint64), size=(samples, index.length))
    hashes = _hash_rows(random_ids)  # (samples,)
    unseen = ~numpy.isin(hashes, numpy.unique(ngram_hashes(training_ids, index.length)))
    return float(index.contains(hashes[unseen]).mean()) if unseen.any() else 0.0
