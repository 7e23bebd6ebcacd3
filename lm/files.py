"""Safe file primitives: atomic writes and guarded JSON reads; a user's
text file checked before it is used (empty, binary, not UTF-8, too large:
each refused with a message naming the file); a text document downloaded
once over HTTP into a local cache with the standard library alone.

Every file the project writes goes through ``write_atomic`` (temporary file in
the same folder, fsync, ``os.replace``), so a crash mid-write leaves the old
file intact.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import urllib.request
from pathlib import Path

MAX_JSON_BYTES = 16 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30.0


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


def check_text(data: bytes, what: str, max_bytes: int | None = None) -> str:
    """``data`` as text, line endings made ``\\n``; ``what`` names it in errors."""
    if not data:
        raise ValueError(f"{what} is empty")
    if max_bytes is not None and len(data) > max_bytes:
        raise ValueError(f"{what} is {len(data):,} bytes; the limit is {max_bytes:,}")
    if b"\x00" in data:
        raise ValueError(f"{what} looks binary (it contains NUL bytes); give plain UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{what} is not UTF-8 text ({error.reason} at byte {error.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text_file(path: str | Path, what: str | None = None, max_bytes: int | None = None) -> str:
    """A whole local text file, checked."""
    path = Path(path)
    what = what or f"text file {path}"
    if not path.is_file():
        raise FileNotFoundError(f"{what} does not exist")
    if max_bytes is not None and path.stat().st_size > max_bytes:
        raise ValueError(f"{what} is {path.stat().st_size:,} bytes; the limit is {max_bytes:,}")
    return check_text(path.read_bytes(), what, max_bytes)


def cache_folder() -> Path:
    """Where downloaded texts are kept: ``$LM_CACHE``, else ``~/.cache/lstm-studio``."""
    return Path(os.environ.get("LM_CACHE") or Path.home() / ".cache" / "lstm-studio") / "texts"


def download_text(url: str, timeout: float = DOWNLOAD_TIMEOUT) -> str:
    """The text document at ``url``: from the cache when it was fetched
    before, else downloaded (in full, or not kept) and cached."""
    path = cache_folder() / (hashlib.sha256(url.encode("utf-8")).hexdigest()[:24] + ".txt")
    if path.is_file():
        return read_text_file(path, f"the cached copy of {url}")
    with urllib.request.urlopen(url, timeout=timeout) as response:
        data = response.read()
        expected = response.headers.get("Content-Length")
    if expected is not None and len(data) != int(expected):
        raise OSError(f"the download of {url} stopped after {len(data):,} of {int(expected):,} bytes")
    text = check_text(data, f"the text at {url}")
    write_atomic(path, data)
    return text
