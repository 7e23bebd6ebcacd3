"""Data-parallel training with ``torch.distributed``, as started by torchrun.

``torchrun --nproc_per_node N train.py ...`` starts N copies; each joins the
process group named by the environment (``RANK``, ``WORLD_SIZE``,
``MASTER_ADDR``...), trains on its own slice of the batch rows, and after
every backward pass all ranks average their gradients in one collective. The
same collective carries flags, so every rank stops at the same step when any
of them runs out of time, sees a NaN loss or is asked to pause (a paused run
saves every rank's carried LSTM rows and random state, and resumes exactly
with the same number of processes). Rank 0 alone writes checkpoints and
reports progress. NCCL on CUDA, gloo otherwise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch._utils import _flatten_dense_tensors, _unflatten_dense_tensors


@dataclass
class Group:
    rank: int
    world_size: int

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def rows(self, rows: torch.Tensor, dim: int = 0) -> torch.Tensor:
        """This rank's slice of the batch rows along ``dim``: ``(B, N)`` -> ``(B / world, N)``."""
        if rows.size(dim) % self.world_size:
            raise ValueError(f"batch_size {rows.size(dim)} must be a multiple of the {self.world_size} processes")
        share = rows.size(dim) // self.world_size
        return rows.narrow(dim, self.rank * share, share)

    def all_rows(self, rows: torch.Tensor, dim: int = 0) -> torch.Tensor:
        """Every rank's slice put back together along ``dim`` (the inverse of ``rows``)."""
        slices = [torch.empty_like(rows) for _ in range(self.world_size)]
        dist.all_gather(slices, rows.contiguous())
        return torch.cat(slices, dim)

    def average_gradients(self, parameters: list[torch.nn.Parameter], flags: tuple[bool, ...]) -> tuple[bool, ...]:
        """Average every gradient over the ranks; each flag comes back True
        if it was True on any rank, so that all ranks act on it at the same
        step (stop for time, NaN loss, pause)."""
        gradients = [parameter.grad for parameter in parameters if parameter.grad is not None]
        raised = gradients[0].new_tensor([float(flag) for flag in flags])
        flat = _flatten_dense_tensors([*gradients, raised])
        dist.all_reduce(flat)
        flat /= self.world_size
        *averaged, raised = _unflatten_dense_tensors(flat, [*gradients, raised])
        for gradient, value in zip(gradients, averaged):
            gradient.copy_(value)
        return tuple(bool(value > 0) for value in raised)

    def close(self) -> None:
        dist.destroy_process_group()


def started_processes() -> int:
    """How many processes torchrun started (1 without torchrun)."""
    return int(os.environ.get("WORLD_SIZE", 1))


def from_environment(device: torch.device) -> Group | None:
    """Join the process group torchrun describes; None for a single process."""
    if started_processes() < 2:
        return None
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return Group(dist.get_rank(), dist.get_world_size())
