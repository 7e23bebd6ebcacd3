"""Small corpora written on the fly."""

from __future__ import annotations


def write_corpus(folder):
    """A word-level folder (train, valid, test) of nine short sentences repeated."""
    folder.mkdir()
    lines = [f"the {animal} sat on the {thing} ." for animal in ("cat", "dog", "fox") for thing in ("mat", "log", "hat")]
    for split, repeat in (("train", 30), ("valid", 3), ("test", 3)):
        (folder / f"{split}.txt").write_text("\n".join(lines * repeat) + "\n", encoding="utf-8")
    return folder
