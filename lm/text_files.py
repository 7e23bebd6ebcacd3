"""Reading a user's text: a local file checked before it is used (empty,
binary, not UTF-8, too large: each refused with a message naming the file),
and a text document downloaded once over HTTP into a local cache with the
standard library alone."""

from __future__ import annotations

import hashlib
import os
import urllib.request
from pathlib import Path

from lm.files import write_atomic

DOWNLOAD_TIMEOUT = 30.0


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
