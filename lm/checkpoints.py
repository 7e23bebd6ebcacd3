"""The local checkpoint folder format: save, validate, load and list folders.

A checkpoint folder holds ``config.json`` (the model's ``ModelConfig``),
``model.safetensors``, ``vocab.json``, ``metrics.json`` and a ``README.md``
model card. Only safetensors and JSON are ever read: nothing is unpickled.
Every file is checked before anything large is allocated, and every problem is
reported with the name of the file at fault. Fetching folders from the Hub
builds on this module and lives in ``lm.hub``.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from pathlib import Path

import torch
from safetensors.torch import load_file
from safetensors.torch import save as serialize

from lm.files import read_json, write_atomic, write_json
from lm.model import LSTMLanguageModel, ModelConfig
from lm.tokenizer import VOCAB_FILE, Tokenizer

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
METRICS_FILE = "metrics.json"
CARD_FILE = "README.md"
REQUIRED_FILES = (CONFIG_FILE, WEIGHTS_FILE, VOCAB_FILE)
CHECKPOINT_FILES = (*REQUIRED_FILES, METRICS_FILE, CARD_FILE)  # everything a checkpoint may hold
MAX_PARAMETERS = 300_000_000
MAX_HEADER_BYTES = 1_000_000
TIED_DUPLICATE = "decoder.weight"  # with tied weights, the embedding matrix is stored once


class CheckpointError(ValueError):
    """A checkpoint folder that cannot be loaded; the message names the file."""


def save(
    folder: str | Path,
    model: LSTMLanguageModel,
    tokenizer: Tokenizer,
    metrics: dict | None = None,
    card: str | None = None,
) -> Path:
    """Write a checkpoint folder; each file is replaced atomically."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / WEIGHTS_FILE, serialize(weight_tensors(model)))
    write_json(folder / CONFIG_FILE, model.config.to_dict())
    tokenizer.save(folder)
    if metrics is not None:
        write_json(folder / METRICS_FILE, metrics)
    if card is not None:
        write_atomic(folder / CARD_FILE, card.encode("utf-8"))
    return folder


def store_half(folder: str | Path) -> Path:
    """Rewrite a checkpoint's weights in 16-bit floats (half the bytes; they
    load into an fp32 model as before)."""
    model, _ = load_folder(folder)
    write_atomic(Path(folder) / WEIGHTS_FILE, serialize(weight_tensors(model, torch.float16)))
    return Path(folder) / WEIGHTS_FILE


def weight_tensors(model: LSTMLanguageModel, dtype: torch.dtype | None = None) -> dict[str, torch.Tensor]:
    """The weights as stored: on the CPU, tied ones once, optionally cast."""
    tensors = {name: tensor.detach().to("cpu", dtype=dtype).contiguous() for name, tensor in model.state_dict().items()}
    if model.config.tie_weights:
        tensors.pop(TIED_DUPLICATE)
    return tensors


def is_checkpoint(folder: str | Path) -> bool:
    folder = Path(folder)
    return all((folder / name).is_file() for name in REQUIRED_FILES)


def list_checkpoints(root: str | Path, unreadable: Callable[[Path, OSError], None] | None = None) -> list[Path]:
    """Checkpoint folders directly under ``root``, sorted by name. A folder
    that cannot be examined (no permission, I/O error) is left out and handed
    to ``unreadable`` with the error, as is ``root`` itself if it cannot be listed."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = []
    try:
        folders = sorted(root.iterdir())
    except OSError as error:
        folders = []
        if unreadable:
            unreadable(root, error)
    for folder in folders:
        try:
            if folder.is_dir() and is_checkpoint(folder):
                found.append(folder)
        except OSError as error:
            if unreadable:
                unreadable(folder, error)
    return found


def read_metrics(folder: str | Path) -> dict:
    path = Path(folder) / METRICS_FILE
    return read_json(path) if path.is_file() else {}


def load_folder(folder: str | Path, device: str | torch.device = "cpu") -> tuple[LSTMLanguageModel, Tokenizer]:
    """Load ``(model, tokenizer)`` from a checkpoint folder, strictly: every
    weight must be present with its exact shape, and nothing else may be."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError(f"no checkpoint folder at {folder}")
    for name in REQUIRED_FILES:
        if not (folder / name).is_file():
            raise CheckpointError(f"{folder / name} is missing: a checkpoint folder needs {', '.join(REQUIRED_FILES)}")
    config = _read_config(folder / CONFIG_FILE)
    tokenizer = _read_tokenizer(folder, config)
    _check_weights_header(folder / WEIGHTS_FILE, _expected_shapes(folder / CONFIG_FILE, config))
    tensors = load_file(folder / WEIGHTS_FILE)
    for name, tensor in tensors.items():
        if not torch.isfinite(tensor).all():
            raise CheckpointError(f"{folder / WEIGHTS_FILE}: tensor {name} holds NaN or Inf values")
    model = LSTMLanguageModel(config)
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    missing = [name for name in missing if not (config.tie_weights and name == TIED_DUPLICATE)]
    assert not missing and not unexpected, (missing, unexpected)  # the header check covers both
    model.eval()
    return model.to(device), tokenizer


def _read_config(path: Path) -> ModelConfig:
    """The ``ModelConfig`` that ``config.json`` at ``path`` holds."""
    try:
        return ModelConfig.from_dict(read_json(path))
    except ValueError as error:
        message = str(error)
        raise CheckpointError(message if message.startswith(str(path)) else f"{path}: {message}") from error


def _read_tokenizer(folder: Path, config: ModelConfig) -> Tokenizer:
    try:
        tokenizer = Tokenizer.load(folder)
    except (ValueError, TypeError) as error:
        raise CheckpointError(f"{folder / VOCAB_FILE}: {error}") from error
    if len(tokenizer) != config.vocab_size:
        raise CheckpointError(
            f"{folder / VOCAB_FILE} holds {len(tokenizer)} tokens but {folder / CONFIG_FILE} says vocab_size {config.vocab_size}"
        )
    return tokenizer


def _expected_shapes(config_path: Path, config: ModelConfig) -> dict[str, tuple[int, ...]]:
    """Name -> shape of every stored weight, from a model built on the meta
    device (no memory), refusing configs beyond ``MAX_PARAMETERS``."""
    with torch.device("meta"):
        skeleton = LSTMLanguageModel(config)
    if skeleton.parameter_count() > MAX_PARAMETERS:
        raise CheckpointError(
            f"{config_path} describes {skeleton.parameter_count():,} parameters; the limit is {MAX_PARAMETERS:,}"
        )
    expected = {name: tuple(tensor.shape) for name, tensor in skeleton.state_dict().items()}
    if config.tie_weights:
        expected.pop(TIED_DUPLICATE)
    return expected


def _check_weights_header(path: Path, expected: dict[str, tuple[int, ...]]) -> None:
    """Read only the safetensors header and compare it with the expected
    names and shapes, so a bad file is refused before its data is touched."""
    size = path.stat().st_size
    with open(path, "rb") as file:
        prefix = file.read(8)
        if len(prefix) < 8:
            raise CheckpointError(f"{path} is truncated: {size} bytes, not even a safetensors header")
        (header_size,) = struct.unpack("<Q", prefix)
        if header_size > MAX_HEADER_BYTES or 8 + header_size > size:
            raise CheckpointError(f"{path} has a safetensors header of {header_size} bytes in a {size}-byte file")
        try:
            header = json.loads(file.read(header_size))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise CheckpointError(f"{path} is not a safetensors file: {error}") from error
    if not isinstance(header, dict):
        raise CheckpointError(f"{path} is not a safetensors file: its header is not an object")
    header.pop("__metadata__", None)
    found = {name: _tensor_shape(path, name, entry, size - 8 - header_size) for name, entry in header.items()}
    if found != expected:
        missing = sorted(set(expected) - set(found))
        unexpected = sorted(set(found) - set(expected))
        wrong = sorted(name for name in set(found) & set(expected) if found[name] != expected[name])
        details = [f"missing {missing}" if missing else "", f"unexpected {unexpected}" if unexpected else ""]
        details += [f"{name} has shape {list(found[name])}, expected {list(expected[name])}" for name in wrong]
        raise CheckpointError(f"{path} does not match {CONFIG_FILE}: " + "; ".join(d for d in details if d))


def _tensor_shape(path: Path, name: str, entry: object, data_size: int) -> tuple[int, ...]:
    """The shape of one safetensors header entry, which must describe
    floating-point data lying inside the file."""
    try:
        shape, (start, end), dtype = tuple(entry["shape"]), entry["data_offsets"], entry["dtype"]
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{path}: header entry {name!r} is malformed") from error
    if dtype not in ("F32", "F16", "BF16"):
        raise CheckpointError(f"{path}: tensor {name} has dtype {dtype}; weights must be floating point")
    if not 0 <= start <= end <= data_size:
        raise CheckpointError(f"{path} is truncated: tensor {name} ends at byte {end} of {data_size}")
    return shape
