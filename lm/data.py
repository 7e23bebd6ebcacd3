"""Token-id streams cut into batch rows and BPTT windows (ids only).

A split is one long stream of ids. ``batchify`` cuts it into ``B`` equal rows
that are read side by side; ``windows`` walks along the rows ``bptt`` steps at
a time, so the LSTM state left by one window is the right start for the next::

    stream  a b c d e f g h i j k l m n o p q r s t u v w x      (24 ids, B = 4)

    rows    a b c d e f      window 1: inputs  a b c    targets b c d
            g h i j k l                        g h i            h i j
            m n o p q r                        ...
            s t u v w x      window 2: inputs  d e      targets e f
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import torch


def batchify(ids: torch.Tensor | list[int], batch_size: int) -> torch.Tensor:
    """Cut a 1-D stream into ``batch_size`` rows, dropping the ragged tail."""
    ids = torch.as_tensor(ids, dtype=torch.long)
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    row_length = ids.numel() // batch_size
    if row_length < 2:
        raise ValueError(
            f"a stream of {ids.numel()} tokens is too short for {batch_size} rows; "
            f"it needs at least {2 * batch_size} tokens"
        )
    return ids[: row_length * batch_size].view(batch_size, row_length)  # (B, N)


def windows(rows: torch.Tensor, bptt: int, start: int = 0) -> Iterator[tuple[int, torch.Tensor, torch.Tensor]]:
    """Yield ``(position, inputs, targets)`` windows of at most ``bptt`` steps,
    targets shifted one step ahead of inputs; ``start`` resumes mid-stream."""
    if bptt < 1:
        raise ValueError(f"bptt must be at least 1, got {bptt}")
    last = rows.size(1) - 1
    for position in range(start, last, bptt):
        length = min(bptt, last - position)
        inputs = rows[:, position : position + length]  # (B, T)
        targets = rows[:, position + 1 : position + 1 + length]  # (B, T)
        yield position, inputs, targets


def window_count(rows: torch.Tensor, bptt: int) -> int:
    return -(-(rows.size(1) - 1) // bptt)


def variable_windows(
    rows: torch.Tensor, bptt: int, seed: int, max_extra: int = 40
) -> Iterator[tuple[int, torch.Tensor, torch.Tensor]]:
    """Like ``windows`` but each window's length is drawn as in AWD-LSTM:
    ``bptt`` (or, one time in twenty, ``bptt / 2``) plus normal noise of
    standard deviation 5, at least 5 and at most ``bptt + max_extra``. So the
    cuts move from epoch to epoch and every token gets to start a window.
    The same ``seed`` gives the same windows."""
    generator = random.Random(seed)
    last = rows.size(1) - 1
    position = 0
    while position < last:
        centre = bptt if generator.random() < 0.95 else bptt / 2
        length = min(max(5, int(generator.gauss(centre, 5))), bptt + max_extra, last - position)
        yield position, rows[:, position : position + length], rows[:, position + 1 : position + 1 + length]  # (B, T)
        position += length


def singletons(ids: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """``(V,)`` mask of the ids that occur exactly once in the stream ``ids``."""
    return torch.bincount(ids, minlength=vocab_size) == 1  # (V,)


def with_unknown_words(ids: torch.Tensor, rare: torch.Tensor, rate: float, unknown_id: int, seed: int) -> torch.Tensor:
    """The stream with each occurrence of a ``rare`` id replaced by
    ``unknown_id`` with probability ``rate`` (the same ``seed``, the same
    replacements).

    A vocabulary built from every training word never shows the model
    ``<unk>``, yet new text brings words it has never seen (Good-Turing: about
    as often as training text brings words seen once). Showing some of the
    words seen once as ``<unk>`` teaches the model how likely an unseen word
    is, and where."""
    generator = torch.Generator().manual_seed(seed)
    replace = rare[ids] & (torch.rand(ids.shape, generator=generator) < rate)  # (N,)
    return ids.masked_fill(replace, unknown_id)
