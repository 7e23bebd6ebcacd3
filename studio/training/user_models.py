"""Where models trained in the studio live, and who may replace or delete them.

::

    LM_USER_MODELS/                  (default runs/studio beside the app; never checkpoints/)
    ├── poem-bot/                    a finished model: a checkpoint folder, listed for everyone
    │   ├── config.json, model.safetensors, vocab.json, metrics.json, …
    │   └── owner.json               {"owner": sha256 of its owner's token}
    ├── .training/poem-bot-1f3a…/    a run in progress (or one a stopped server left): never listed
    ├── .trash/                      a replaced model on its way out
    └── .secret                      the key that seals each browser's token in its storage

Everyone sees every model; only the browser that trained one (it keeps a
random token in its storage, which survives reloads and restarts) may
replace or delete it. A run trains into ``.training/`` and is moved into
place in one rename when it ends well, so a run that dies leaves nothing
half-written in the list; what such runs left is removed, with a note in the
log, when the studio starts. The number of models and their total size are
capped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from lm.checkpoints import list_checkpoints

log = logging.getLogger(__name__)

OWNER_FILE = "owner.json"
TRAINING = ".training"
TRASH = ".trash"
SECRET_FILE = ".secret"


def new_token() -> str:
    """A fresh owner token for a browser that has none."""
    return secrets.token_hex(16)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


class UserModels:
    """The user models folder ``root``: at most ``max_count`` models and
    ``max_bytes`` bytes; ``reserved()`` gives names that are not the users'
    to take (the shipped checkpoints)."""

    def __init__(self, root: str | Path, max_count: int = 50, max_bytes: int = 2_000_000_000,
                 reserved: Callable[[], Iterable[str]] = tuple):
        self.root = Path(root)
        self.max_count = max_count
        self.max_bytes = max_bytes
        self.reserved = reserved

    def secret(self) -> str:
        """The key the page seals owner tokens with; made once and kept in
        the folder, so tokens stay readable after a restart."""
        path = self.root / SECRET_FILE
        try:
            if not path.is_file():
                self.root.mkdir(parents=True, exist_ok=True)
                path.write_text(secrets.token_hex(16), encoding="utf-8")
            return path.read_text(encoding="utf-8").strip()
        except OSError as error:  # a read-only folder: tokens last until the restart
            log.warning("%s cannot be kept (%s); owner tokens will not survive a restart", path, error)
            return secrets.token_hex(16)

    def names(self) -> list[str]:
        return [folder.name for folder in list_checkpoints(self.root)]

    def owner_of(self, name: str) -> str | None:
        """The owner's token hash of model ``name``; None when it has none."""
        try:
            return json.loads((self.root / name / OWNER_FILE).read_text(encoding="utf-8")).get("owner")
        except (OSError, ValueError, AttributeError):
            return None

    def check_claim(self, name: str, owner: str | None) -> None:
        """Refuse ``name`` for ``owner`` (a token) when it is reserved, taken
        by someone else, or the caps are reached."""
        if not owner:
            raise ValueError("this browser has no owner token yet; reload the page and try again")
        if name in set(self.reserved()):
            raise ValueError(f"{name!r} is a shipped model; pick another name")
        names = self.names()
        if name in names and self.owner_of(name) != token_hash(owner):
            raise ValueError(f"a model called {name!r} already exists and was trained in another browser; "
                             "pick another name (only its owner may replace it)")
        if name not in names and len(names) >= self.max_count:
            raise ValueError(f"the studio holds {len(names)} trained models, its limit (LM_USER_MODELS_MAX); "
                             "delete one of yours or ask the teacher to make room")
        used = self.total_bytes()
        if used >= self.max_bytes:
            raise ValueError(f"trained models take {used / 1e6:,.1f} MB, the studio's limit is "
                             f"{self.max_bytes / 1e6:,.0f} MB (LM_USER_MODELS_MAX_MB); delete one of yours first")

    def staging_folder(self, name: str) -> Path:
        """A fresh folder for a run that will become model ``name``."""
        folder = self.root / TRAINING / f"{name}-{secrets.token_hex(4)}"
        folder.parent.mkdir(parents=True, exist_ok=True)
        return folder

    def publish(self, staging: Path, name: str, owner: str) -> Path:
        """Move a finished run into the list as ``name``, owned by ``owner``,
        replacing the owner's earlier model of that name; if someone else took
        the name meanwhile, the run is kept as ``name-2`` (or ``-3``, …)."""
        mine, wanted, suffix = token_hash(owner), name, 1
        while (self.root / name).exists() and self.owner_of(name) != mine:
            suffix += 1
            name = f"{wanted}-{suffix}"
        (staging / OWNER_FILE).write_text(json.dumps({"owner": token_hash(owner)}), encoding="utf-8")
        target = self.root / name
        if target.exists():
            trash = self.root / TRASH / f"{name}-{secrets.token_hex(4)}"
            trash.parent.mkdir(parents=True, exist_ok=True)
            target.rename(trash)
            staging.rename(target)
            shutil.rmtree(trash, ignore_errors=True)
        else:
            staging.rename(target)
        return target

    def delete(self, name: str, owner: str | None) -> None:
        """Delete model ``name`` and its files, if ``owner`` trained it."""
        if name not in self.names():
            raise ValueError(f"there is no trained model called {str(name)[:80]!r} to delete")
        if not owner or self.owner_of(name) != token_hash(owner):
            raise ValueError(f"{name!r} was trained in another browser; only its owner may delete it")
        shutil.rmtree(self.root / name)

    def owned(self, owner: str | None) -> list[str]:
        """The names of ``owner``'s models."""
        if not owner:
            return []
        mine = token_hash(owner)
        return [name for name in self.names() if self.owner_of(name) == mine]

    def total_bytes(self) -> int:
        return sum(folder_bytes(self.root / name) for name in self.names())

    def remove_leftovers(self) -> list[Path]:
        """Remove what runs of an earlier server left half-done (and replaced
        models not yet deleted), each with a note in the log."""
        removed = []
        for holder, what in ((TRAINING, "an incomplete training run"), (TRASH, "a replaced model")):
            if not (self.root / holder).is_dir():
                continue
            for folder in sorted((self.root / holder).iterdir()):
                log.warning("%s is %s left by an earlier server; it is skipped and removed", folder, what)
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
        return removed
