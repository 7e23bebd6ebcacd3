"""The presenter's scenes: a small TOML file a teacher edits (``scenes.toml``
beside the app, or the file named by ``$LM_SCENES``; its header documents
the format). Each scene has a title, what the teacher says, a kind and that
kind's settings, which stay locked while the scene is shown. A file that
cannot be read never stops the studio: the presenter then shows one scene
naming the file and the problem."""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

KINDS = {
    "generate": {"model", "prompt", "temperatures", "max_new_tokens", "seed", "show_tokens"},
    "copied": {"model", "prompt", "temperatures", "max_new_tokens", "seed"},
    "every-model": {"models", "prompt", "temperature", "max_new_tokens", "seed"},
    "time-lapse": {"model", "prompt", "temperature", "max_new_tokens", "seed"},
    "inside": {"model", "prompt", "temperature", "max_new_tokens", "seed", "units"},
    "sampler": {"model", "prompt", "temperature", "k"},
    "explain": {"model", "prompt", "temperature", "max_new_tokens", "seed", "position"},
    "text": set(),
}
MAX_SCENES = 50
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Scene:
    title: str
    say: str
    kind: str
    settings: dict = field(default_factory=dict)


def parse_scenes(text: str, source: str = "scenes") -> list[Scene]:
    """The scenes of a TOML text; ``ValueError`` names the scene and the problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{source} is not valid TOML: {error}") from None
    entries = data.get("scene")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{source} holds no [[scene]] entries")
    if len(entries) > MAX_SCENES:
        raise ValueError(f"{source} holds {len(entries)} scenes; the limit is {MAX_SCENES}")
    return [_scene(entry, f"{source}, scene {number}") for number, entry in enumerate(entries, 1)]


def _scene(entry: dict, where: str) -> Scene:
    entry = dict(entry)
    title, say, kind = entry.pop("title", None), entry.pop("say", ""), entry.pop("kind", "text")
    if not isinstance(title, str) or not title.strip():
        raise ValueError(f"{where}: give it a title")
    if kind not in KINDS:
        raise ValueError(f"{where}: kind must be one of {sorted(KINDS)}, got {kind!r}")
    unknown = set(entry) - KINDS[kind]
    if unknown:
        raise ValueError(f"{where}: a {kind!r} scene takes {sorted(KINDS[kind])}, not {sorted(unknown)}")
    return Scene(title, str(say), kind, entry)


def read_scenes(path: str | Path) -> list[Scene]:
    """The scenes of ``path``; a missing or broken file gives one text scene
    saying what is wrong (and the log names it)."""
    path = Path(path)
    try:
        return parse_scenes(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        log.warning("presenter scenes not loaded: %s", error)
        return [Scene("No scenes", f"The scene file could not be read: {error}", "text")]
