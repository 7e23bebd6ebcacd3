"""Where and how the process computes: the device, the seed, bf16 or fp32
matrix products, and the memory allocator's behaviour during training and
in a long-running server."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import random
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy
import torch

DEVICES = ("auto", "cpu", "cuda", "mps")


def pick_device(name: str = "auto") -> torch.device:
    """``auto`` prefers CUDA, then Apple's MPS, then the CPU."""
    if name not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {name!r}")
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", local_rank())
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but no CUDA device is available")
    if name == "mps" and not torch.backends.mps.is_available():
        raise ValueError("device 'mps' was asked for but MPS is not available")
    return torch.device("cuda", local_rank()) if name == "cuda" else torch.device(name)


def local_rank() -> int:
    """This process's GPU index under torchrun (0 otherwise)."""
    return int(os.environ.get("LOCAL_RANK", 0))


def seed_everything(seed: int) -> None:
    random.seed(seed)
    numpy.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def use_bf16(precision: str, device: torch.device) -> bool:
    """bf16 autocast where the hardware does bf16 natively: CUDA, or a CPU
    with AVX-512 BF16 / AMX (measured 1.4-1.7x faster LSTM training steps).
    ``precision`` is ``auto``, ``bf16`` or ``fp32``."""
    if precision != "auto":
        return precision == "bf16"
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return _cpu_has_native_bf16()
    return False


def _cpu_has_native_bf16() -> bool:
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:  # not Linux: stay with fp32
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


# glibc's mallopt parameters and their defaults.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8
_DEFAULT_THRESHOLD = 128 * 1024
_KEEP_UP_TO = 1 << 30
_LARGE_BLOCK = 1 << 20  # map_large_blocks' default: a megabyte
_threshold_outside_training = _DEFAULT_THRESHOLD  # what reuse_freed_memory restores (map_large_blocks sets it)
_trimmer: threading.Thread | None = None  # return_freed_memory_every's thread, once started
RETURN_FREED_MEMORY_SECONDS = 10.0  # how often the app hands freed memory back to the system


@contextmanager
def reuse_freed_memory():
    """Inside, freed blocks of up to 1 GiB stay with the process for reuse.

    By default glibc hands every block over 32 MB (a word model's logits
    for one batch) back to the system when it is freed and faults fresh
    pages in for the next step; keeping them made training steps on a
    2-core CPU 1.2-1.4x faster. Elsewhere (no glibc) this does nothing."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, _KEEP_UP_TO)
        libc.mallopt(_M_TRIM_THRESHOLD, 2 * _KEEP_UP_TO)
    try:
        yield
    finally:
        if libc is not None:
            libc.mallopt(_M_MMAP_THRESHOLD, _threshold_outside_training)
            libc.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_THRESHOLD)
            libc.malloc_trim(0)


def limit_allocator_arenas(count: int = 2) -> None:
    """Let at most ``count`` glibc malloc arenas serve all of the process's
    threads, from now on (call it before threads start).

    A server answers requests on dozens of short-lived threads, and glibc
    gives threads arenas of their own (up to 8 per core), each keeping the
    holes its threads' freed tensors left: a model dropped from the cache on
    one thread is not reused by the next load on another, and the process
    grows. Measured by switching between five models on 16 threads, 240
    loads: 904 -> 1,066 MB with glibc's default arenas, 824 -> 834 MB with
    two. ``MALLOC_ARENA_MAX`` in the environment, when set, wins. Elsewhere
    (no glibc) this does nothing."""
    libc = _glibc()
    if libc is not None and "MALLOC_ARENA_MAX" not in os.environ:
        libc.mallopt(_M_ARENA_MAX, count)


def map_large_blocks(threshold: int = _LARGE_BLOCK) -> None:
    """From now on, give every block of ``threshold`` bytes or more a mapping
    of its own, handed back to the system whole when it is freed.

    glibc starts at 128 KiB but raises the threshold to the size of each
    mapped block that is freed (up to 32 MB): after a server has dropped one
    model from its cache, the next models' weights and a long text's logits
    are cut from the heap, and the holes they leave when freed stay in the
    process. A fixed threshold stops that. Measured with the soak of
    ``bench/load.py`` (6 minutes, 30 users, two arenas, trimmed every 10 s):
    the heap grew 372 -> 552 MB and resident memory +25 % without, the heap
    204 -> 303 MB and resident memory +4.6 % with a 1 MiB threshold. Blocks
    under it (a step's activations) stay in the heap, where reusing them is
    cheap. Elsewhere (no glibc) this does nothing."""
    global _threshold_outside_training
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, threshold)
        _threshold_outside_training = threshold


def return_freed_memory_every(seconds: float = RETURN_FREED_MEMORY_SECONDS) -> threading.Thread | None:
    """Every ``seconds``, hand the memory freed inside the process back to
    the system (glibc's ``malloc_trim``), from a daemon thread; returns it.

    A server's requests free their tensors and strings in an order that
    leaves free holes below memory still in use, which glibc keeps; the
    process then grows with the traffic it has seen, though nothing lives
    on. Measured in a studio serving 30 users' /score and /generate traffic
    with two arenas: 783 -> 724, 778 -> 741, 836 -> 722 and 856 -> 760 MB
    at each minute's trim, so that with it memory stays level. One thread
    per process, however often this is called (a reloading server imports
    its app again); elsewhere (no glibc) nothing starts and None is returned."""
    global _trimmer
    libc = _glibc()
    if libc is None:
        return None
    if _trimmer is not None:
        return _trimmer

    def trim_forever() -> None:
        while True:
            time.sleep(seconds)
            libc.malloc_trim(0)

    _trimmer = threading.Thread(target=trim_forever, name="return-freed-memory", daemon=True)
    _trimmer.start()
    return _trimmer


def _glibc():
    name = ctypes.util.find_library("c")
    if name is None or os.name != "posix":
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.gnu_get_libc_version  # only glibc has mallopt with these meanings
    except (OSError, AttributeError):
        return None
    return libc
