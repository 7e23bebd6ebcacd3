"""The models a user may pick: checkpoint folders under one root, loaded on
first use and kept in memory.

A model is named by its folder name, and only names found by scanning the
root are ever turned into paths, so a request for ``../../etc/passwd`` is
refused without any file being opened.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from lm.checkpoints import CheckpointError, list_checkpoints, load, read_metrics
from lm.model import LSTMLanguageModel
from lm.quantize import quantize_int8
from lm.tokenizer import Tokenizer


@dataclass
class Entry:
    name: str
    folder: Path
    model: LSTMLanguageModel
    tokenizer: Tokenizer
    metrics: dict = field(default_factory=dict)
    _int8: LSTMLanguageModel | None = None

    def engine(self, int8: bool) -> LSTMLanguageModel:
        """The model to sample with: fp32 as loaded, or an int8 copy made on
        first use (CPU only)."""
        if not int8 or next(self.model.parameters()).device.type != "cpu":
            return self.model
        if self._int8 is None:
            self._int8 = quantize_int8(self.model)
        return self._int8


class Catalog:
    def __init__(self, root: str | Path, preferred: tuple[str, ...] = ()):
        self.root = Path(root)
        self.preferred = preferred
        self._loaded: dict[str, Entry] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        """Folder names of valid checkpoints, preferred ones first."""
        found = [folder.name for folder in list_checkpoints(self.root)]
        return sorted(found, key=lambda name: (name not in self.preferred, self.preferred.index(name) if name in self.preferred else 0, name))

    def get(self, name: str) -> Entry:
        """The loaded model called ``name``; ``ValueError`` if it is not offered
        or its files are broken (the message names the file)."""
        if not isinstance(name, str) or name not in self.names():
            raise ValueError(f"unknown model {str(name)[:80]!r}; choose one of {self.names()}")
        with self._lock:
            if name not in self._loaded:
                folder = self.root / name
                try:
                    model, tokenizer = load(folder)
                except (CheckpointError, OSError) as error:
                    raise ValueError(f"model {name!r} cannot be loaded: {error}") from error
                self._loaded[name] = Entry(name, folder, model, tokenizer, read_metrics(folder))
            return self._loaded[name]

    def forget(self, name: str) -> None:
        """Drop a cached model (after it was retrained in place)."""
        with self._lock:
            self._loaded.pop(name, None)
