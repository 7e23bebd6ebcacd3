"""User input from the page and the API turned into ``lm`` objects: sampling
fields into ``SamplingSettings``, the Train form into a ``TrainConfig``, an
upload into checked text. No Gradio.

Here values only change type (text to numbers, integral floats to ``int``, the
page's "off" values to ``None``); their ranges are checked once, by the object
they become (``SamplingSettings``, ``TrainConfig``), so the page, the API, the
command line and the library refuse a bad value with the same message. Only
the studio's own limits are checked here: the model name, the time budget,
the model size and corpus choices, and the upload.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lm.files import check_text, read_text_file
from lm.lesson.inspection import MAX_INSPECT_UNITS
from lm.sampling import SamplingSettings
from lm.training.budget import WORD_UNKNOWN_RATE
from lm.training.config import TrainConfig, config_from
from lm.training.planning import plan_run
from studio.settings import AUTOMATIC, EXAMPLES, PASTE, SHIPPED_MODELS, TRAIN_PRESETS, TRAIN_SNAPSHOTS, UPLOAD, Settings

COMPARE = "Compare temperatures"  # the page's view modes
SINGLE_SAMPLE = "Single sample"
MODEL_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")


def parse_temperatures(text: str | list | tuple) -> list:
    """``"0.5, 1.0"`` (commas, spaces or semicolons between) -> ``[0.5, 1.0]``;
    a list goes on as it is."""
    if isinstance(text, (list, tuple)):
        return list(text)
    pieces = [piece for piece in re.split(r"[,\s;]+", str(text).strip()) if piece]
    try:
        return [float(piece) for piece in pieces]
    except ValueError:
        raise ValueError(f"temperatures must be numbers separated by commas, got {str(text)[:60]!r}") from None


def whole(value):
    """Integral floats (what some clients send for integers) become ``int``;
    anything else goes on unchanged for ``SamplingSettings`` to name."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def page_top_k(value) -> int | None:
    """The page's top-k box: 0 (or empty) is off."""
    return int(value) if value not in (None, 0, "") else None


def page_top_p(value) -> float | None:
    """The page's top-p slider: 1 (or empty) is off."""
    return float(value) if value not in (None, "") and float(value) != 1.0 else None


def page_temperatures(mode: str, temperature, temperatures_text) -> list:
    """The slider's one temperature in single-sample mode, else the typed list."""
    return [float(temperature)] if mode == SINGLE_SAMPLE else parse_temperatures(temperatures_text)


def page_sampling(mode: str, temperature, temperatures_text, max_new_tokens=1, seed=0, top_k=None,
                  top_p=None) -> SamplingSettings:
    """The Generate view's fields as ``SamplingSettings`` (the next-token
    distribution gives only the temperatures)."""
    return SamplingSettings(page_temperatures(mode, temperature, temperatures_text), whole(max_new_tokens),
                            whole(seed), page_top_k(top_k), page_top_p(top_p))


def api_sampling(temperatures, max_new_tokens, seed, top_k, top_p) -> SamplingSettings:
    """``/generate``'s parameters as ``SamplingSettings`` (``None`` is off)."""
    return SamplingSettings(parse_temperatures(temperatures), whole(max_new_tokens), whole(seed), whole(top_k), top_p)


def read_upload(path: str | None, max_bytes: int = Settings.max_upload_bytes) -> str:
    """Check an uploaded training text before anything is written (the checks
    every text the command line reads gets too)."""
    if not path:
        raise ValueError("upload a .txt file to train on")
    return read_text_file(path, "the uploaded file", max_bytes)


def check_model_name(name: str | None) -> str:
    """The name a trained model is saved under: a folder name that cannot be
    a path and is not a shipped model's."""
    name = (name or "").strip().lower()
    if not MODEL_NAME.fullmatch(name):
        raise ValueError(f"model name must be 1–40 lowercase letters, digits or dashes, got {name[:60]!r}")
    if name in SHIPPED_MODELS:
        raise ValueError(f"{name!r} is a shipped model; pick another name")
    return name


@dataclass(frozen=True)
class TrainRequest:
    """What the Train form asks for."""

    name: str  # the checkpoint folder's name
    config: TrainConfig
    command: str  # how the run is described in its model card
    sample_prompt: str  # the prompt of the sample shown after each epoch
    temporary: tuple[Path, ...] = ()  # the user's text (the upload and its copy): deleted when the run ends
    plan: dict | None = None  # for the automatic size: what the training process plans from (probe and pick)


def train_request(corpus_choice: str, upload: str | None, level: str, preset: str, minutes, name: str | None,
                  settings: Settings, pasted: str = "", init_from: str | None = None) -> TrainRequest:
    """The Train form as a ``TrainRequest``. An upload or a pasted text is
    checked before it is copied to a fresh temporary folder; the automatic
    size is the trainer's own pick for the budget (``lm.training.planning.plan_run``,
    as ``train.py --max-minutes`` picks: the training process makes it, with
    its probe, from ``plan``), and ``init_from`` fine-tunes."""
    name = check_model_name(name)
    if not 0 < float(minutes) <= settings.train_minutes:
        raise ValueError(f"time budget must be in (0, {settings.train_minutes:g}] minutes, got {minutes}")
    if preset != AUTOMATIC and preset not in TRAIN_PRESETS:
        raise ValueError(f"model size must be one of {[AUTOMATIC, *TRAIN_PRESETS]}, got {preset!r}")
    corpus, text_file, level, sample_prompt = _training_text(corpus_choice, upload, pasted, level, settings)
    temporary = () if corpus else tuple(Path(path) for path in (upload, Path(text_file).parent) if path)
    source = {"corpus": corpus, "text_file": text_file, "max_minutes": float(minutes), "snapshots": TRAIN_SNAPSHOTS}
    plan = None
    if init_from:
        config = plan_run({**source, "init_from": init_from}).config
    elif preset == AUTOMATIC:  # the table's pick stands for it here; the training process probes and picks
        plan = {**source, "level": level}
        config = plan_run(plan, probe=False).config
    else:  # Word models learn how likely a word they never saw is (see --unknown-word-rate).
        config = config_from(None, **source, level=level, **TRAIN_PRESETS[preset],
                             unknown_word_rate=WORD_UNKNOWN_RATE if level == "word" else 0.0)
    start = f", from {init_from}" if init_from else ""
    command = f"studio Train view: {corpus_choice}, size {preset}, {minutes} min{start}"
    return TrainRequest(name, config, command, sample_prompt, temporary, plan)


def _training_text(corpus_choice: str, upload: str | None, pasted: str, level: str,
                   settings: Settings) -> tuple[str | None, str | None, str, str]:
    """(corpus, text file, level, sample prompt) of the Train form's corpus choice."""
    if corpus_choice in (UPLOAD, PASTE):
        if corpus_choice == UPLOAD:
            text = read_upload(upload, settings.max_upload_bytes)
        else:
            text = check_text((pasted or "").encode("utf-8"), "the pasted text", settings.max_upload_bytes)
        folder = Path(tempfile.mkdtemp(prefix="lm-upload-"))
        (folder / "upload.txt").write_text(text, encoding="utf-8")
        return None, str(folder / "upload.txt"), level, ""
    if corpus_choice in settings.corpora:
        corpus, text_file = settings.corpora[corpus_choice]
        return corpus, text_file, "char" if corpus == "tiny-shakespeare" else "word", EXAMPLES[corpus][0]
    raise ValueError(f"corpus must be one of {[*settings.corpora, UPLOAD, PASTE]}, got {corpus_choice!r}")


def inside_sampling(temperature, max_new_tokens, seed) -> SamplingSettings:
    """The Inside view's (and ``/inspect``'s) one column as ``SamplingSettings``."""
    return SamplingSettings([whole(temperature)], whole(max_new_tokens), whole(seed))


def unit_count(value) -> int:
    """How many units the Inside view shows: 1 to ``MAX_INSPECT_UNITS``."""
    count = whole(value)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_INSPECT_UNITS:
        raise ValueError(f"units to show must be an integer in [1, {MAX_INSPECT_UNITS}], got {value!r}")
    return count


def picked_unit(value, hidden_size: int) -> int | None:
    """The unit typed or clicked in the Inside view (empty: none)."""
    if isinstance(value, str):
        value = value.strip()
        value = int(value) if value.isdigit() else value
    if value in (None, ""):
        return None
    unit = whole(value)
    if isinstance(unit, bool) or not isinstance(unit, int) or not 0 <= unit < hidden_size:
        raise ValueError(f"unit must be an integer in [0, {hidden_size - 1}] for this model, got {value!r}")
    return unit


def check_choice(name: str, value, allowed: list[str]) -> str:
    """``value`` if it is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return value
