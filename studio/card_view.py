"""The Model card view's text: the checkpoint's card without its Hub front
matter, the per-epoch table folded away (the chart above it shows the same
numbers, the best epoch marked)."""

from __future__ import annotations

import re

FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
EPOCH_TABLE = re.compile(r"(## Loss per epoch\n\n)((?:!\[[^\n]*\n\n)?)((?:\|[^\n]*\n?)+)")


def shown_card(card: str) -> str:
    card = FRONT_MATTER.sub("", card)

    def fold(match: re.Match) -> str:
        table = match.group(3).rstrip("\n")
        rows = max(0, table.count("\n") - 1)
        return (f"{match.group(1)}<details><summary>the table: one row per epoch ({rows} rows)</summary>\n\n"
                f"{table}\n\n</details>\n")

    return EPOCH_TABLE.sub(fold, card, count=1)
