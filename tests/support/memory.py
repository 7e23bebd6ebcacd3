"""What glibc's allocator holds, and scripts run in a fresh interpreter."""

from __future__ import annotations

import ctypes
import ctypes.util
import subprocess
import sys

from tests.support.paths import REPO

BLOCK = 64 * 1024 * 1024  # larger than glibc's largest default mmap threshold (32 MB)


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def mapped_bytes() -> int:
    """Bytes glibc holds in blocks mapped straight from the system."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.mallinfo2.restype = MallInfo2
    return libc.mallinfo2().hblkhd


def printed_by_a_fresh_interpreter(script: str, *arguments: str) -> list[str]:
    """What ``script`` prints when run by a new Python in the repository:
    the allocator's state there owes nothing to earlier tests (in this
    process they may have left a large free chunk in the heap, which glibc
    rightly reuses before mapping)."""
    finished = subprocess.run([sys.executable, "-c", script, *arguments], capture_output=True, text=True, timeout=120,
                              cwd=REPO)
    assert finished.returncode == 0, finished.stderr
    return finished.stdout.split()
