"""The process-level helpers: the allocator keeps freed blocks during training
and a server hands large ones back."""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lm.runtime import map_large_blocks, reuse_freed_memory

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


glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the allocator settings are glibc's")


@glibc_only
def test_inside_training_a_large_freed_block_is_kept_for_the_next_step():
    with reuse_freed_memory():
        before = mapped_bytes()
        block = torch.ones(BLOCK // 4)  # (16M,) float32
        assert mapped_bytes() - before < BLOCK  # taken from the heap, not mapped on its own
        del block
        assert mapped_bytes() - before < BLOCK  # freed into the heap, kept for the next step


AFTERWARDS = """
import torch
from lm.runtime import reuse_freed_memory
from tests.test_runtime import BLOCK, mapped_bytes
with reuse_freed_memory():
    pass
before = mapped_bytes()
block = torch.ones(BLOCK // 4)  # (16M,) float32
mapped_while_held = mapped_bytes() - before
del block
print(mapped_while_held, mapped_bytes() - before)
"""


def printed_by_a_fresh_interpreter(script: str, *arguments: str) -> list[str]:
    """What ``script`` prints when run by a new Python in the repository:
    the allocator's state there owes nothing to earlier tests (in this
    process they may have left a large free chunk in the heap, which glibc
    rightly reuses before mapping)."""
    finished = subprocess.run([sys.executable, "-c", script, *arguments], capture_output=True, text=True, timeout=120,
                              cwd=Path(__file__).resolve().parent.parent)
    assert finished.returncode == 0, finished.stderr
    return finished.stdout.split()


@glibc_only
def test_afterwards_large_blocks_go_back_to_the_system_as_before():
    mapped_while_held, mapped_after_free = map(int, printed_by_a_fresh_interpreter(AFTERWARDS))
    assert mapped_while_held >= BLOCK
    assert mapped_after_free < BLOCK


TRIMMED = """
import time
from lm.runtime import return_freed_memory_every


def resident_megabytes():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS"))


blocks = [bytearray(4000) for _ in range(50_000)]  # 200 MB of heap chunks, below the mmap threshold
kept = blocks[::100]  # a few stay in use, above the freed ones: the heap's top cannot shrink
del blocks
held = resident_megabytes()
return_freed_memory_every(0.2)
time.sleep(1.0)
print(held, resident_megabytes())
"""


@glibc_only
def test_a_server_hands_freed_memory_back_while_it_runs():
    held, after = map(float, printed_by_a_fresh_interpreter(TRIMMED))
    assert held - after > 100, (held, after)  # most of the 200 MB freed went back to the system


AFTER_A_LARGE_FREE = """
import sys
import torch
from lm.runtime import map_large_blocks
from tests.test_runtime import mapped_bytes
if sys.argv[1] == "fixed":  # else glibc's default
    map_large_blocks()
dropped = torch.ones(1 << 20)  # (1M,) float32: a 4 MB block, mapped
del dropped  # and freed (a model dropped from a cache)
before = mapped_bytes()
block = torch.ones(3 << 18)  # (786432,) float32: the next model's 3 MB
print(mapped_bytes() - before)
"""


@glibc_only
def test_a_server_maps_every_large_block_even_after_freeing_one():
    def mapped(mode: str) -> int:
        return int(printed_by_a_fresh_interpreter(AFTER_A_LARGE_FREE, mode)[0])

    assert mapped("default") < 3 << 20  # the raised threshold put it in the heap
    assert mapped("fixed") >= 3 << 20  # a mapping of its own, returned whole when freed


def test_the_app_keeps_a_short_record_of_past_requests():
    """Gradio records every request (for monitoring, which the app turns
    off) up to 10,000; the app keeps a hundred, so the record is full within
    a minute of class instead of growing through the lesson."""
    kept, = printed_by_a_fresh_interpreter("import app; print(app.demo._queue.ANALYTICS_MAX_EVENTS)")
    assert int(kept) == 100
