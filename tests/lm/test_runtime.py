"""The process-level helpers: the allocator keeps freed blocks during training
and a server hands large ones back."""

from __future__ import annotations

import platform

import pytest
import torch

from lm.runtime import reuse_freed_memory
from tests.support.memory import BLOCK, mapped_bytes, printed_by_a_fresh_interpreter

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
from tests.support.memory import BLOCK, mapped_bytes
with reuse_freed_memory():
    pass
before = mapped_bytes()
block = torch.ones(BLOCK // 4)  # (16M,) float32
mapped_while_held = mapped_bytes() - before
del block
print(mapped_while_held, mapped_bytes() - before)
"""


@pytest.mark.slow
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


@pytest.mark.slow
@glibc_only
def test_a_server_hands_freed_memory_back_while_it_runs():
    held, after = map(float, printed_by_a_fresh_interpreter(TRIMMED))
    assert held - after > 100, (held, after)  # most of the 200 MB freed went back to the system


AFTER_A_LARGE_FREE = """
import sys
import torch
from lm.runtime import map_large_blocks
from tests.support.memory import mapped_bytes
if sys.argv[1] == "fixed":  # else glibc's default
    map_large_blocks()
dropped = torch.ones(1 << 20)  # (1M,) float32: a 4 MB block, mapped
del dropped  # and freed (a model dropped from a cache)
before = mapped_bytes()
block = torch.ones(3 << 18)  # (786432,) float32: the next model's 3 MB
print(mapped_bytes() - before)
"""


@pytest.mark.slow
@glibc_only
def test_a_server_maps_every_large_block_even_after_freeing_one():
    def mapped(mode: str) -> int:
        return int(printed_by_a_fresh_interpreter(AFTER_A_LARGE_FREE, mode)[0])

    assert mapped("default") < 3 << 20  # the raised threshold put it in the heap
    assert mapped("fixed") >= 3 << 20  # a mapping of its own, returned whole when freed
