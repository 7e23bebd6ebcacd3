"""Checkpoints on the Hugging Face Hub: download into the shared cache, and
the list of Hub models the studio offers.

Only a checkpoint's safetensors and JSON files (and its model card) are ever
fetched, so nothing that could be unpickled reaches the disk. Every request
has a timeout; when the Hub cannot be reached a cached copy of the revision is
used, and otherwise a ``HubError`` says what went wrong. Downloads land in the
cache only once complete and of the announced size (``huggingface_hub`` writes
to a temporary file and checks it), so a truncated file is never used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lm.checkpoints import CONFIG_FILE, METRICS_FILE, REQUIRED_FILES, WEIGHTS_FILE, CheckpointError
from lm.files import read_json
from lm.tokenizer import VOCAB_FILE

CHECKPOINT_FILES = (CONFIG_FILE, WEIGHTS_FILE, VOCAB_FILE, METRICS_FILE, "README.md")
DEFAULT_TIMEOUT = 10.0
MODEL_LIST_KEYS = {"repo", "revision", "name", "corpus"}
OFFLINE_HINT = "shipped models still work"

Progress = Callable[[int, int], None]  # (bytes done, bytes expected; 0 when unknown)


class HubError(CheckpointError):
    """A Hub checkpoint that cannot be had; ``reason`` is one of
    ``invalid``, ``not-found``, ``no-revision``, ``missing-file``, ``gated``,
    ``unreachable`` or ``interrupted``."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def split_reference(reference: str) -> tuple[str, str]:
    """``user/repo@revision`` -> (``user/repo``, ``revision``); the revision
    defaults to ``main``."""
    repo_id, _, revision = reference.partition("@")
    return repo_id, revision or "main"


def download(
    reference: str,
    endpoint: str | None = None,
    cache_dir: str | Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    token: str | bool | None = None,
    progress: Progress | None = None,
) -> Path:
    """The local folder of checkpoint ``user/repo[@revision]``: fetched from
    the Hub (``endpoint`` or ``$HF_ENDPOINT``) into the cache, or found there
    when the Hub cannot be reached. Raises ``HubError``."""
    import httpx2
    from huggingface_hub import HfApi, hf_hub_download
    from huggingface_hub.errors import HFValidationError, HfHubHTTPError, OfflineModeIsEnabled
    from huggingface_hub.utils import validate_repo_id

    repo_id, revision = split_reference(reference)
    try:
        validate_repo_id(repo_id)
    except HFValidationError as error:
        raise HubError("invalid", f"{reference!r} is not a Hub repo id like 'user/repo' or 'user/repo@revision'") from error
    where = f"{repo_id}@{revision}"
    try:
        info = HfApi(endpoint=endpoint, token=token).repo_info(repo_id, revision=revision, timeout=timeout, files_metadata=True)
    except (OfflineModeIsEnabled, httpx2.TransportError) as error:
        return _cached_or_unreachable(repo_id, revision, cache_dir, _unreachable_reason(error, timeout))
    except HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else None
        if status is not None and status >= 500:
            return _cached_or_unreachable(repo_id, revision, cache_dir, f"the Hub answered HTTP {status}")
        raise _http_error(error, repo_id, revision) from error
    present = {sibling.rfilename: sibling.size or 0 for sibling in info.siblings or []}
    missing = [name for name in REQUIRED_FILES if name not in present]
    if missing:
        raise HubError("missing-file", f"{where} is not a checkpoint: it has no {', '.join(missing)} "
                                       f"(it holds {sorted(present) or 'no files'})")
    wanted = [name for name in CHECKPOINT_FILES if name in present]
    total = sum(present[name] for name in wanted)
    bar = _progress_bar(progress, total)
    folder, pinned = None, revision  # the first file resolves (and caches) the revision; the rest use its commit
    for name in wanted:
        try:
            path = hf_hub_download(repo_id, name, revision=pinned, endpoint=endpoint, cache_dir=cache_dir,
                                   etag_timeout=timeout, token=token, tqdm_class=bar)
        except HfHubHTTPError as error:
            raise _http_error(error, repo_id, revision) from error
        except (OfflineModeIsEnabled, httpx2.TransportError, OSError) as error:
            raise HubError("interrupted", f"downloading {name} of {where} failed ({type(error).__name__}: {error}); "
                                          "nothing incomplete was kept, try again") from error
        folder = Path(path).parent
        pinned = folder.name
    return folder


def cached_folder(reference: str, cache_dir: str | Path | None = None) -> Path | None:
    """The cached folder of ``user/repo[@revision]`` if every required file
    is there, without touching the network; else None."""
    from huggingface_hub import try_to_load_from_cache

    repo_id, revision = split_reference(reference)
    found = [try_to_load_from_cache(repo_id, name, cache_dir=cache_dir, revision=revision) for name in REQUIRED_FILES]
    if all(isinstance(path, str) for path in found):
        return Path(found[0]).parent
    return None


def _cached_or_unreachable(repo_id: str, revision: str, cache_dir, why: str) -> Path:
    folder = cached_folder(f"{repo_id}@{revision}", cache_dir)
    if folder is not None:
        return folder
    raise HubError("unreachable", f"{repo_id}@{revision} is not available offline and the Hub cannot be reached "
                                  f"({why}); {OFFLINE_HINT}")


def _unreachable_reason(error: Exception, timeout: float) -> str:
    import httpx2
    from huggingface_hub.errors import OfflineModeIsEnabled

    if isinstance(error, OfflineModeIsEnabled):
        return "HF_HUB_OFFLINE is set"
    if isinstance(error, httpx2.TimeoutException):
        return f"no answer within {timeout:g} s"
    return f"{type(error).__name__}: {error}"


def _http_error(error: Exception, repo_id: str, revision: str) -> HubError:
    from huggingface_hub.errors import (
        GatedRepoError,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    status = getattr(getattr(error, "response", None), "status_code", None)
    if isinstance(error, GatedRepoError):
        return HubError("gated", f"{repo_id} is gated: accept its terms on the Hub, then set HF_TOKEN to a token of "
                                 "that account")
    if isinstance(error, RepositoryNotFoundError):
        return HubError("not-found", f"Hub repo {repo_id!r} was not found (if it is private, set HF_TOKEN to a token "
                                     "that may read it)")
    if isinstance(error, RevisionNotFoundError):
        return HubError("no-revision", f"Hub repo {repo_id!r} has no branch, tag or commit {revision!r}")
    if isinstance(error, RemoteEntryNotFoundError):
        return HubError("missing-file", f"{repo_id}@{revision}: a file is missing on the Hub ({error})")
    if status in (401, 403):
        return HubError("gated", f"{repo_id} may not be read without permission (HTTP {status}); set HF_TOKEN")
    if status == 404:
        return HubError("not-found", f"{repo_id}@{revision} was not found (HTTP 404 from the Hub endpoint)")
    return HubError("unreachable", f"{repo_id}@{revision}: the Hub answered HTTP {status}; {OFFLINE_HINT}")


def _progress_bar(progress: Progress | None, total: int):
    """A tqdm-shaped class that reports bytes to ``progress``."""
    if progress is None:
        return None
    done = [0]

    class Bar:
        def __init__(self, *args, **kwargs) -> None:
            pass

        def update(self, count: int | float | None = 1) -> None:
            done[0] += int(count or 0)
            progress(done[0], total)

        def __getattr__(self, name):  # set_description, close, refresh, ...: nothing to show
            return lambda *args, **kwargs: None

        def __enter__(self):
            return self

        def __exit__(self, *exc) -> None:
            pass

    return Bar


# ----- the studio's list of Hub models ------------------------------------------


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
