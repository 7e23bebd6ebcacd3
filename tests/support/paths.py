"""Where the repository, its shipped checkpoints and its packages' modules are."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHECKPOINTS = REPO / "checkpoints"


def sources(package: str) -> list[Path]:
    """The source files of ``package`` (a top-level folder), subpackages included."""
    return sorted((REPO / package).rglob("*.py"))


def module_name(path: Path) -> str:
    """The dotted name a source file imports as (a package by its folder's name)."""
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
