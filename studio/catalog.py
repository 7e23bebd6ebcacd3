"""The models a user may pick: checkpoint folders under one root and the Hub
models of ``models.json``, loaded (Hub ones downloaded) on first use and kept
in memory.

A local model is named by its folder name, a Hub model by its listed name;
only names found by scanning the root or reading the list are ever turned into
paths or downloads, so a request for ``../../etc/passwd`` is refused without
any file being opened.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from lm.checkpoints import CheckpointError, list_checkpoints, load_folder, read_metrics
from lm.hub import Progress, cached_folder, download
from lm.model import LSTMLanguageModel
from lm.quantize import quantize_int8
from lm.tokenizer import Tokenizer
from studio.model_list import HubModel


@dataclass
class Entry:
    name: str
    folder: Path
    model: LSTMLanguageModel
    tokenizer: Tokenizer
    metrics: dict = field(default_factory=dict)
    hub: HubModel | None = None
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
    def __init__(self, root: str | Path, preferred: tuple[str, ...] = (), hub_models: list[HubModel] = ()):
        self.root = Path(root)
        self.preferred = preferred
        self.hub_models = {model.name: model for model in hub_models}
        self._loaded: dict[str, Entry] = {}
        self._lock = threading.Lock()
        self._name_locks: dict[str, threading.Lock] = {}

    def local_names(self) -> list[str]:
        """Folder names of valid checkpoints, preferred ones first."""
        found = [folder.name for folder in list_checkpoints(self.root)]
        return sorted(found, key=lambda name: (name not in self.preferred, self.preferred.index(name) if name in self.preferred else 0, name))

    def names(self) -> list[str]:
        """Local models, then the Hub models (a local name wins a clash)."""
        local = self.local_names()
        return local + [name for name in self.hub_models if name not in local]

    def choices(self) -> list[tuple[str, str]]:
        """(label, name) pairs; a Hub model's label tells whether it is
        already downloaded."""
        local = self.local_names()
        labelled = [(name, name) for name in local]
        for name, model in self.hub_models.items():
            if name not in local:
                state = "downloaded" if cached_folder(model.reference) else "downloads on first use"
                labelled.append((f"{name} · Hub, {state}", name))
        return labelled

    def get(self, name: str, progress: Progress | None = None) -> Entry:
        """The loaded model called ``name``, downloaded first if it is a Hub
        model (``progress`` hears the bytes); ``ValueError`` if it is not
        offered, cannot be fetched, or its files are broken (the message says
        which and why)."""
        if not isinstance(name, str) or name not in self.names():
            raise ValueError(f"unknown model {str(name)[:80]!r}; choose one of {self.names()}")
        entry = self._loaded.get(name)
        if entry is not None:
            return entry
        with self._lock:  # one lock per name: a slow download holds up only that model
            name_lock = self._name_locks.setdefault(name, threading.Lock())
        with name_lock:
            if name not in self._loaded:
                hub = self.hub_models.get(name) if name not in self.local_names() else None
                try:
                    folder = download(hub.reference, progress=progress) if hub else self.root / name
                    model, tokenizer = load_folder(folder)
                except (CheckpointError, OSError) as error:
                    raise ValueError(f"model {name!r} cannot be loaded: {error}") from error
                self._loaded[name] = Entry(name, folder, model, tokenizer, read_metrics(folder), hub)
            return self._loaded[name]

    def forget(self, name: str) -> None:
        """Drop a cached model (after it was retrained in place)."""
        with self._lock:
            self._loaded.pop(name, None)
