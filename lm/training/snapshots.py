"""Snapshots of a run's weights along the way, for a time-lapse of a model
learning: ``--snapshots 1,2,5,10,final`` (after those epochs) or, with a
time budget, ``0.05,0.2,0.5,final`` (after the epoch that passes that share of
the budget). Each is kept in half precision under ``snapshots/`` beside the
checkpoint and listed, with its epoch, training tokens seen and valid loss,
in ``metrics.json``; ``final`` is the checkpoint itself."""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file
from safetensors.torch import save as serialize

from lm.checkpoints import TIED_DUPLICATE, WEIGHTS_FILE, CheckpointError, load_folder, read_metrics, weight_tensors
from lm.files import write_atomic
from lm.model import LSTMLanguageModel
from lm.tokenizer import Tokenizer

FOLDER = "snapshots"
FINAL = "final"


def parse_snapshots(text: str | None) -> tuple[list[float], bool]:
    """``"1,2,5,final"`` -> ([1, 2, 5], True): epochs (whole numbers) or
    shares of the budget (between 0 and 1), and whether ``final`` is asked."""
    if not text:
        return [], False
    points, final = [], False
    for piece in (piece.strip() for piece in str(text).split(",") if piece.strip()):
        if piece == FINAL:
            final = True
            continue
        try:
            points.append(float(piece))
        except ValueError:
            raise ValueError(f"snapshots must be epochs or budget shares separated by commas (and 'final'), "
                             f"got {piece!r}") from None
    whole = all(point >= 1 and point.is_integer() for point in points)
    shares = all(0 < point < 1 for point in points)
    if points and not (whole or shares):
        raise ValueError(f"snapshots must all be epochs (1, 2, 5) or all shares of the budget (0.05, 0.5), "
                         f"got {text!r}")
    return sorted(points), final


def due(points: list[float], epoch: int, fraction: float, taken: list[dict]) -> bool:
    """Whether the epoch just finished is a snapshot's: its number is listed,
    or it passed a share of the budget that no snapshot has taken yet."""
    if not points:
        return False
    if points[0] >= 1:
        return float(epoch) in points
    return sum(point <= fraction for point in points) > len([row for row in taken if row["name"] != FINAL])


def _record(row: dict) -> dict:
    return {"epoch": row["epoch"], "tokens_seen": row["tokens_seen"], "valid_loss": row["valid_loss"]}


def keep(folder: str | Path, model: LSTMLanguageModel, row: dict) -> dict:
    """Save ``model``'s weights in half precision as the snapshot of the
    epoch of history ``row``; returns its listing."""
    name = f"epoch-{row['epoch']}"
    path = Path(folder) / FOLDER / f"{name}.safetensors"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, serialize(weight_tensors(model, torch.float16)))
    return {"name": name, "file": f"{FOLDER}/{path.name}", **_record(row)}


def with_final(folder: str | Path, taken: list[dict], best_row: dict) -> list[dict]:
    """The listing once the run is finished: ``taken`` and then the
    checkpoint itself, the best epoch's weights. A snapshot of that same
    epoch would only repeat the checkpoint in half precision, so it is
    dropped from the listing and its file deleted."""
    kept = []
    for row in taken:
        if row["name"] != FINAL and row["epoch"] == best_row["epoch"]:
            (Path(folder) / row["file"]).unlink(missing_ok=True)
        else:
            kept.append(row)
    return kept + [{"name": FINAL, "file": WEIGHTS_FILE, **_record(best_row)}]


def listed(folder: str | Path) -> list[dict]:
    """The snapshots ``metrics.json`` lists, oldest first."""
    return list(read_metrics(folder).get("snapshots", []))


def load_snapshot(folder: str | Path, name: str) -> tuple[LSTMLanguageModel, Tokenizer]:
    """The checkpoint's model with snapshot ``name``'s weights."""
    model, tokenizer = load_folder(folder)
    entry = next((row for row in listed(folder) if row["name"] == name), None)
    if entry is None:
        raise CheckpointError(f"{folder} has no snapshot {name!r}; it has {[row['name'] for row in listed(folder)]}")
    if entry["name"] == FINAL:
        return model, tokenizer
    path = Path(folder) / entry["file"]
    if path.parent.name != FOLDER or not path.is_file():
        raise CheckpointError(f"snapshot file {path} is missing")
    tensors = {key: value.float() for key, value in load_file(path).items()}
    expected = set(model.state_dict()) - ({TIED_DUPLICATE} if model.config.tie_weights else set())
    if set(tensors) != expected or any(tensors[key].shape != model.state_dict()[key].shape for key in tensors):
        raise CheckpointError(f"{path} does not match {folder}'s model")
    model.load_state_dict(tensors, strict=False)
    return model.eval(), tokenizer
