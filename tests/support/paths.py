"""Where the repository and its shipped checkpoints are."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CHECKPOINTS = REPO / "checkpoints"
