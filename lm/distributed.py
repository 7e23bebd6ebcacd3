"""Data-parallel training with ``torch.distributed``, as started by torchrun.

``torchrun --nproc_per_node N train.py ...`` starts N copies; each joins the
process group named by the environment (``RANK``, ``WORLD_SIZE``,
``MASTER_ADDR``...), trains on its own slice of the batch rows, and after
every backward pass all ranks average their gradients in one collective. The
same collective carries a stop flag and a diverged flag, so every rank stops
at the same step when any of them runs out of time or sees a NaN loss. Rank 0 alone writes checkpoints and
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

    def rows(self, rows: torch.Tensor) -> torch.Tensor:
        """This rank's slice of the batch rows ``(B, N)`` -> ``(B / world, N)``."""
        if rows.size(0) % self.world_size:
            raise ValueError(f"batch_size {rows.size(0)} must be a multiple of the {self.world_size} processes")
        share = rows.size(0) // self.world_size
        return rows[self.rank * share : (self.rank + 1) * share]

    def average_gradients(self, parameters: list[torch.nn.Parameter], stop: bool, diverged: bool) -> tuple[bool, bool]:
        """Average every gradient over the ranks. Returns whether any rank
        asked to stop and whether any rank's loss was NaN or infinite, so
        that all ranks leave the loop at the same step."""
        gradients = [parameter.grad for parameter in parameters if parameter.grad is not None]
        flags = gradients[0].new_tensor([float(stop), float(diverged)])
        flat = _flatten_dense_tensors([*gradients, flags])
        dist.all_reduce(flat)
        flat /= self.world_size
        *averaged, flags = _unflatten_dense_tensors(flat, [*gradients, flags])
        for gradient, value in zip(gradients, averaged):
            gradient.copy_(value)
        return bool(flags[0] > 0), bool(flags[1] > 0)

    def close(self) -> None:
        dist.destroy_process_group()


def from_environment(device: torch.device) -> Group | None:
    """Join the process group torchrun describes; None for a single process."""
    world_size = int(os.environ.get("WORLD_SIZE", 1))
    if world_size < 2:
        return None
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return Group(dist.get_rank(), dist.get_world_size())
