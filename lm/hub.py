"""Checkpoints on the Hugging Face Hub: download (cached, files allow-listed).

The only module besides ``lm.model``'s mixin that talks to ``huggingface_hub``.
Only the checkpoint's safetensors and JSON files are fetched, so nothing that
could be unpickled ever reaches the disk.
"""

from __future__ import annotations

from pathlib import Path

from lm.checkpoints import CONFIG_FILE, METRICS_FILE, WEIGHTS_FILE, CheckpointError
from lm.tokenizer import VOCAB_FILE

CHECKPOINT_FILES = [CONFIG_FILE, WEIGHTS_FILE, VOCAB_FILE, METRICS_FILE, "README.md"]


def split_reference(reference: str) -> tuple[str, str | None]:
    """``user/repo@revision`` -> (``user/repo``, ``revision``)."""
    repo_id, _, revision = reference.partition("@")
    return repo_id, revision or None


def download(reference: str, endpoint: str | None = None) -> Path:
    """Fetch (or reuse from the cache) a checkpoint folder from the Hub."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError, RepositoryNotFoundError, RevisionNotFoundError

    repo_id, revision = split_reference(reference)
    try:
        folder = snapshot_download(repo_id, revision=revision, allow_patterns=CHECKPOINT_FILES, endpoint=endpoint)
    except RepositoryNotFoundError as error:
        raise CheckpointError(f"Hub repo {repo_id!r} was not found (or is private/gated and no token allows it)") from error
    except RevisionNotFoundError as error:
        raise CheckpointError(f"Hub repo {repo_id!r} has no revision {revision!r}") from error
    except LocalEntryNotFoundError as error:
        raise CheckpointError(
            f"{reference} is not available offline and the Hub cannot be reached; shipped models still work"
        ) from error
    except (HfHubHTTPError, OSError) as error:
        raise CheckpointError(f"downloading {reference} failed: {error}") from error
    return Path(folder)
