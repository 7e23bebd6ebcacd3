"""Run train.py's main() under torchrun with rank 1's loss turning NaN at its
20th step (a fault injected into torch's loss function, not into our code),
to show that the other ranks stop too instead of waiting forever."""

from __future__ import annotations

import os
import sys

import torch.nn.functional

sys.path.insert(0, os.getcwd())
import train  # noqa: E402

if os.environ.get("RANK") == "1":
    original = torch.nn.functional.cross_entropy
    calls = [0]

    def cross_entropy(*args, **kwargs):
        calls[0] += 1
        loss = original(*args, **kwargs)
        return loss * float("nan") if calls[0] >= 20 else loss

    torch.nn.functional.cross_entropy = cross_entropy

train.main(sys.argv[1:])
