"""Safe file primitives: atomic writes and guarded JSON reads.

Every file the project writes goes through ``write_atomic`` (temporary file in
the same folder, fsync, ``os.replace``), so a crash mid-write leaves the old
file intact.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

MAX_JSON_BYTES = 16 * 1024 * 1024


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` all at once or not at all; an ``OSError``
    (a full disk, say) names ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            os.fchmod(file.fileno(), 0o644)  # mkstemp's 0600 would hide checkpoints from other readers
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        if error.filename is None:
            raise OSError(error.errno, f"{error.strerror or error} writing {path}") from error
        raise
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json(path: str | Path, data: object) -> None:
    write_atomic(path, (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))


def read_json(path: str | Path) -> object:
    """Parse a JSON file, refusing files that are missing, huge or invalid
    with a message that names the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing")
    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise ValueError(f"{path} is {size} bytes; a JSON file here may be at most {MAX_JSON_BYTES}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from error
