"""Checks on a run's output folder, made before training starts so that a
run does not fail hours in when it first saves."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path


def check_writable(out: str | Path) -> None:
    """Fail now, not hours from now, when ``out`` cannot be written."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".write-test-"):
            pass
    except OSError as error:
        raise OSError(f"cannot write checkpoints to {out} ({error.strerror or error}); choose another --out") from error


def check_space(out: str | Path, needed_bytes: int) -> None:
    """Fail now when ``out``'s disk cannot hold the checkpoints."""
    free = shutil.disk_usage(out).free
    if free < needed_bytes:
        raise OSError(f"{out} has {free / 1e6:,.0f} MB free; this run needs about {needed_bytes / 1e6:,.0f} MB "
                      "for its checkpoints")
