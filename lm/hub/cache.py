"""Checkpoints on the Hugging Face Hub: download into the shared cache, and
``load``, which opens a local checkpoint folder or a Hub repo id.

Only a checkpoint's safetensors and JSON files (and its model card) are ever
fetched, so nothing that could be unpickled reaches the disk. Every request
has a timeout; when the Hub cannot be reached a cached copy of the revision is
used, and otherwise a ``HubError`` says what went wrong. Downloads land in the
cache only once complete and of the announced size (``huggingface_hub`` writes
to a temporary file and checks it), so a truncated file is never used. The
folder format itself (files, validation, loading) is ``lm.checkpoints``'.

Files are fetched one by one rather than with ``snapshot_download``: its
listing calls take no timeout, and it names neither the file whose download
failed nor the total size up front.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch

from lm.checkpoints import CHECKPOINT_FILES, REQUIRED_FILES, CheckpointError, load_folder
from lm.model import LSTMLanguageModel
from lm.tokenizer import Tokenizer

DEFAULT_TIMEOUT = 10.0
OFFLINE_HINT = "shipped models still work"

Progress = Callable[[int, int], None]  # (bytes done, bytes expected; 0 when unknown)


class HubError(CheckpointError):
    """A Hub checkpoint that cannot be had; ``reason`` is one of
    ``invalid``, ``not-found``, ``no-revision``, ``missing-file``, ``gated``,
    ``unreachable`` or ``interrupted``."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


class _Unreachable(Exception):
    """No answer from the Hub (or only a 5xx); the message says why."""


def load(source: str | Path, device: str | torch.device = "cpu") -> tuple[LSTMLanguageModel, Tokenizer]:
    """Load ``(model, tokenizer)`` from a local checkpoint folder or a Hub
    repo id (``user/repo`` or ``user/repo@revision``), strictly: every weight
    must be present with its exact shape, and nothing else may be."""
    folder = Path(source)
    if folder.is_dir():
        return load_folder(folder, device)
    if isinstance(source, Path) or not _looks_like_repo_id(str(source)):
        raise CheckpointError(f"no checkpoint folder at {source} (and it is not a Hub repo id like 'user/repo')")
    if not folder.parent.is_dir():
        return load_folder(download(str(source)), device)
    try:  # a name that could be a local path or a Hub repo id: both explanations if neither works
        return load_folder(download(str(source)), device)
    except HubError as error:
        present = sorted(child.name for child in folder.parent.iterdir() if child.is_dir())[:10]
        raise CheckpointError(f"no checkpoint folder at {source} ({folder.parent} holds {present or 'no folders'}); "
                              f"as a Hub repo id: {error}") from error


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
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import HfHubHTTPError, HFValidationError, OfflineModeIsEnabled
    from huggingface_hub.utils import validate_repo_id

    repo_id, revision = split_reference(reference)
    try:
        validate_repo_id(repo_id)
    except HFValidationError as error:
        raise HubError("invalid", f"{reference!r} is not a Hub repo id like 'user/repo' or 'user/repo@revision'") from error
    where = f"{repo_id}@{revision}"
    try:
        sizes = _file_sizes(repo_id, revision, endpoint, timeout, token)
    except _Unreachable as why:
        folder = cached_folder(where, cache_dir)
        if folder is not None:
            return folder
        raise HubError("unreachable", f"{where} is not available offline and the Hub cannot be reached ({why}); "
                                      f"{OFFLINE_HINT}") from why.__cause__
    missing = [name for name in REQUIRED_FILES if name not in sizes]
    if missing:
        raise HubError("missing-file", f"{where} is not a checkpoint: it has no {', '.join(missing)} "
                                       f"(it holds {sorted(sizes) or 'no files'})")
    wanted = [name for name in CHECKPOINT_FILES if name in sizes]
    bar = _progress_bar(progress, sum(sizes[name] for name in wanted))
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


def _file_sizes(repo_id: str, revision: str, endpoint: str | None, timeout: float,
                token: str | bool | None) -> dict[str, int]:
    """Name -> bytes of every file of the revision. Raises ``HubError`` when
    the Hub refuses, ``_Unreachable`` when it does not answer."""
    import httpx2  # huggingface_hub passes its HTTP client's transport errors through unwrapped
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    try:
        info = HfApi(endpoint=endpoint, token=token).repo_info(repo_id, revision=revision, timeout=timeout,
                                                               files_metadata=True)
    except OfflineModeIsEnabled as error:
        raise _Unreachable("HF_HUB_OFFLINE is set") from error
    except httpx2.TimeoutException as error:
        raise _Unreachable(f"no answer within {timeout:g} s") from error
    except httpx2.TransportError as error:
        raise _Unreachable(f"{type(error).__name__}: {error}") from error
    except HfHubHTTPError as error:
        status = error.response.status_code if error.response is not None else None
        if status is not None and status >= 500:
            raise _Unreachable(f"the Hub answered HTTP {status}") from error
        raise _http_error(error, repo_id, revision) from error
    return {sibling.rfilename: sibling.size or 0 for sibling in info.siblings or []}


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


def _looks_like_repo_id(text: str) -> bool:
    repo = text.split("@", 1)[0]
    parts = repo.split("/")
    return len(parts) == 2 and all(parts) and not text.startswith((".", "/", "~"))
