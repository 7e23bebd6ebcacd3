"""The models a user may pick: checkpoint folders under the shipped root and
the user models root (models trained in the studio), and the Hub models of
``models.json``, loaded (Hub ones downloaded) on first use and kept
in memory with a bound: pinned models (the shipped ones) stay loaded and do not
count against it; beyond it, the least recently used other model is dropped and
loads again when next picked.

A local model is named by its folder name, a Hub model by its listed name;
only names found by scanning the roots or reading the list are ever turned into
paths or downloads, so a request for ``../../etc/passwd`` is refused without
any file being opened. A folder that cannot be read is not offered, and a
model that cannot be loaded is refused when picked; both are logged with the
file and the problem, and the other models keep serving.

The Hub models on offer are listed in ``models.json`` (or the file named by
``$LM_HUB_MODELS``); a list that cannot be read or is malformed offers no Hub
models and is logged: it never stops the studio.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from lm.checkpoints import list_checkpoints, load_folder, read_metrics
from lm.files import read_json
from lm.hub.cache import Progress, cached_folder, download
from lm.lesson.novelty import NgramIndex
from lm.model import LSTMLanguageModel
from lm.quantize import quantize_int8
from lm.tokenizer import Tokenizer

MODEL_LIST_KEYS = {"repo", "revision", "name", "corpus"}
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HubModel:
    """One entry of ``models.json``: a Hub checkpoint offered by the studio."""

    name: str
    repo: str
    revision: str = "main"
    corpus: str = ""

    @property
    def reference(self) -> str:
        return f"{self.repo}@{self.revision}"


def read_model_list(path: str | Path) -> list[HubModel]:
    """``models.json``: ``{"models": [{"name", "repo", "revision", "corpus"}, ...]}``;
    a missing file means no Hub models."""
    path = Path(path)
    if not path.is_file():
        return []
    data = read_json(path)
    entries = data.get("models") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path} must hold {{\"models\": [...]}}")
    models = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not {"name", "repo"} <= set(entry) or set(entry) - MODEL_LIST_KEYS:
            raise ValueError(f"{path}: entry {index} needs 'name' and 'repo' (and may have 'revision', 'corpus')")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ._()-]{0,59}", str(entry["name"])):
            raise ValueError(f"{path}: entry {index} has name {entry['name']!r}; use letters, digits, spaces and . _ ( ) -")
        models.append(HubModel(**{key: str(value) for key, value in entry.items()}))
    return models


def offered_hub_models(path: str | Path) -> list[HubModel]:
    """``read_model_list``, except that a list that cannot be read or is
    malformed is logged, naming the file and the problem, and offers none."""
    try:
        return read_model_list(path)
    except (ValueError, OSError) as error:
        log.warning("the Hub model list %s is ignored, so no Hub models are offered: %s", path, error)
        return []


@functools.lru_cache(maxsize=16)
def training_index(folder: Path) -> NgramIndex | None:
    """The training text's n-gram index kept beside a checkpoint, read once."""
    return NgramIndex.load(folder)


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

    def training_index(self) -> NgramIndex | None:
        """The index of the text this model was trained on (None without one)."""
        return training_index(self.folder)


class Catalog:
    """The models on offer and the loaded ones: at most ``max_loaded`` besides
    the ``pinned`` names (never dropped, not counted)."""

    def __init__(self, root: str | Path, preferred: tuple[str, ...] = (), hub_models: list[HubModel] = (),
                 pinned: tuple[str, ...] = (), max_loaded: int = 8, user_root: str | Path | None = None):
        if max_loaded < 0:
            raise ValueError(f"max_loaded must be 0 or more, got {max_loaded}")
        self.root = Path(root)
        self.user_root = Path(user_root) if user_root is not None else None
        self.preferred = preferred
        self.hub_models = {model.name: model for model in hub_models}
        self.pinned = pinned
        self.max_loaded = max_loaded
        self._loaded: OrderedDict[str, Entry] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()  # guards _loaded and _name_locks; never held while loading
        self._name_locks: dict[str, threading.Lock] = {}
        self._reported: set[Path] = set()  # unreadable folders already logged

    def local_names(self) -> list[str]:
        """Folder names of valid checkpoints, preferred ones first, then the
        user models (a shipped name wins a clash); a folder that cannot be
        read is left out (and logged once)."""
        return list(self._local_folders())

    def shipped_names(self) -> list[str]:
        """The checkpoint folders under the shipped root (not the user models)."""
        return [folder.name for folder in list_checkpoints(self.root, unreadable=self._report_unreadable)]

    def _local_folders(self) -> dict[str, Path]:
        found = sorted(self.shipped_names(), key=lambda name: (
            name not in self.preferred, self.preferred.index(name) if name in self.preferred else 0, name))
        folders = {name: self.root / name for name in found}
        if self.user_root is not None:
            for folder in list_checkpoints(self.user_root, unreadable=self._report_unreadable):
                folders.setdefault(folder.name, folder)
        return folders

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
        entry = self._recall(name)
        if entry is not None:
            return entry
        with self._lock:  # one lock per name: a slow download holds up only that model
            name_lock = self._name_locks.setdefault(name, threading.Lock())
        with name_lock:
            entry = self._recall(name)
            if entry is None:
                entry = self._load(name, progress)
                self._keep(entry)
            return entry

    def loaded(self) -> list[str]:
        """Names of the models in memory, least recently used first."""
        with self._lock:
            return list(self._loaded)

    def forget(self, name: str) -> None:
        """Drop a cached model (after it was retrained in place)."""
        with self._lock:
            self._loaded.pop(name, None)

    def _load(self, name: str, progress: Progress | None) -> Entry:
        local = self._local_folders()
        hub = self.hub_models.get(name) if name not in local else None
        try:
            folder = download(hub.reference, progress=progress) if hub else local[name]
            model, tokenizer = load_folder(folder)
            metrics = read_metrics(folder)
        except (ValueError, OSError) as error:  # CheckpointError and HubError are ValueErrors
            log.warning("model %r cannot be loaded: %s", name, error)
            raise ValueError(f"model {name!r} cannot be loaded: {error}") from error
        return Entry(name, folder, model, tokenizer, metrics, hub)

    def _recall(self, name: str) -> Entry | None:
        """The loaded entry, marked as the most recently used; None if not loaded."""
        with self._lock:
            entry = self._loaded.get(name)
            if entry is not None:
                self._loaded.move_to_end(name)
            return entry

    def _keep(self, entry: Entry) -> None:
        """Cache ``entry`` and drop the least recently used unpinned models
        beyond the bound (a request still using one keeps its own reference)."""
        with self._lock:
            self._loaded[entry.name] = entry
            unpinned = [name for name in self._loaded if name not in self.pinned]
            for name in unpinned[:max(0, len(unpinned) - self.max_loaded)]:
                del self._loaded[name]

    def _report_unreadable(self, folder: Path, error: OSError) -> None:
        if folder not in self._reported:
            self._reported.add(folder)
            log.warning("%s cannot be read, so it is not offered: %s", folder, error)
