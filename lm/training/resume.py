"""The resume state of a paused training run (``ResumeState``), as
safetensors + JSON. ("Snapshot" names only the time-lapse weights of
``lm.training.snapshots``.)

``resume.safetensors`` holds every tensor (current weights, optimiser moments,
the LSTM state carried between windows, the random-number generator states)
and ``resume.json`` everything else (the config, the command, the run's
``Progress``: where in the data it stopped, counters, history; the learning
rate needs no state of its own, it is computed from the progress). Nothing is pickled; both files are written atomically,
the tensors first, so a crash mid-save leaves the previous pair usable or,
between the two writes, a mismatch that is detected.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import load_file
from safetensors.torch import save as serialize

from lm.files import read_json, write_atomic, write_json

STATE_TENSORS = "resume.safetensors"
STATE_JSON = "resume.json"
PAIRING_KEY = "save"  # the identity both files of one save carry ("snapshot" in files written before)


@dataclass
class Progress:
    """Where a training run stands: counters, the best epoch and the history."""

    epoch: int = 1  # the epoch under way
    position: int = 0  # where in the rows this epoch's next window starts
    step: int = 0  # optimizer steps taken
    tokens_seen: int = 0  # training targets so far, every process counted
    epoch_loss: float = 0.0  # summed over this epoch's targets so far (this process)
    epoch_tokens: int = 0  # this epoch's targets so far (this process)
    elapsed: float = 0.0  # seconds of training before a pause
    best_loss: float = math.inf  # best valid loss so far
    best_epoch: int = 0  # its epoch; 0 before the first validation
    best_valid: dict | None = None  # its figures
    history: list[dict] = field(default_factory=list)  # one row per finished epoch
    averaging_from_epoch: int = 0  # NT-ASGD: the first epoch of averaged SGD; 0 before it starts
    processes: int = 1  # torchrun processes; a run resumes with as many
    snapshots: list[dict] = field(default_factory=list)  # the time-lapse snapshots kept so far


@dataclass
class ResumeState:
    """Everything needed to continue a run exactly where it stopped."""

    config: dict
    command: str
    progress: Progress
    model: dict[str, torch.Tensor]
    optimizer: dict
    carried_state: tuple[torch.Tensor, torch.Tensor] | None
    rng: dict[str, torch.Tensor]


def has_state(folder: str | Path) -> bool:
    return (Path(folder) / STATE_JSON).is_file() and (Path(folder) / STATE_TENSORS).is_file()


def save_state(folder: str | Path, state: ResumeState) -> None:
    folder = Path(folder)
    # Copies, so that tied weights (one tensor under two names) are stored twice rather than refused.
    tensors = {f"model.{name}": tensor.detach().cpu().clone() for name, tensor in state.model.items()}
    optimizer_state = {}
    for index, values in state.optimizer["state"].items():
        for key, value in values.items():
            tensors[f"optimizer.{index}.{key}"] = torch.as_tensor(value).detach().cpu().contiguous()
        optimizer_state[str(index)] = sorted(values)
    if state.carried_state is not None:
        tensors["carried.hidden"], tensors["carried.cell"] = (t.detach().cpu().contiguous() for t in state.carried_state)
    for name, value in state.rng.items():
        tensors[f"rng.{name}"] = value.cpu().contiguous()
    identity = secrets.token_hex(8)  # pairs the two files: a crash between the writes is detected
    write_atomic(folder / STATE_TENSORS, serialize(tensors, metadata={PAIRING_KEY: identity}))
    write_json(folder / STATE_JSON, {
        PAIRING_KEY: identity,
        "config": state.config,
        "command": state.command,
        "progress": asdict(state.progress),
        "optimizer_param_groups": state.optimizer["param_groups"],
        "optimizer_state_keys": optimizer_state,
    })


def load_state(folder: str | Path) -> ResumeState:
    folder = Path(folder)
    meta = read_json(folder / STATE_JSON)
    with safe_open(folder / STATE_TENSORS, "pt") as file:
        stored = file.metadata() or {}
    identity = stored.get(PAIRING_KEY, stored.get("snapshot"))
    if identity != meta.get(PAIRING_KEY, meta.get("snapshot")):
        raise ValueError(f"{folder / STATE_JSON} and {folder / STATE_TENSORS} are from different saves; "
                         "the run cannot be resumed exactly")
    tensors = load_file(folder / STATE_TENSORS)
    model = {name[len("model."):]: tensor for name, tensor in tensors.items() if name.startswith("model.")}
    state = {
        int(index): {key: tensors[f"optimizer.{index}.{key}"] for key in keys}
        for index, keys in meta["optimizer_state_keys"].items()
    }
    carried = (tensors["carried.hidden"], tensors["carried.cell"]) if "carried.hidden" in tensors else None
    rng = {name[len("rng."):]: tensor for name, tensor in tensors.items() if name.startswith("rng.")}
    return ResumeState(meta["config"], meta["command"], Progress(**meta["progress"]), model,
                    {"state": state, "param_groups": meta["optimizer_param_groups"]}, carried, rng)


def remove_state(folder: str | Path) -> None:
    for name in (STATE_JSON, STATE_TENSORS):
        (Path(folder) / name).unlink(missing_ok=True)


def rng_states(device: torch.device) -> dict[str, torch.Tensor]:
    states = {"cpu": torch.get_rng_state()}
    if device.type == "cuda":
        states["cuda"] = torch.cuda.get_rng_state(device)
    return states


def restore_rng(states: dict[str, torch.Tensor], device: torch.device) -> None:
    torch.set_rng_state(states["cpu"])
    if device.type == "cuda" and "cuda" in states:
        torch.cuda.set_rng_state(states["cuda"], device)
