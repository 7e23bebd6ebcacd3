"""The Hub models the studio offers beside its local checkpoints:
``models.json`` (or the file named by ``$LM_HUB_MODELS``). A list that
cannot be read or is malformed offers no Hub models and is logged: it never
stops the studio."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from lm.files import read_json

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
