"""What the Model card view and the Generate view say about a model: its
facts (corpus, size, figures, origin) in Markdown, and the card's text
without its Hub front matter, the per-epoch table folded away (the chart
above it shows the same numbers, the best epoch marked)."""

from __future__ import annotations

import re

FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)


EPOCH_TABLE = re.compile(r"(## Loss per epoch\n\n)((?:!\[[^\n]*\n\n)?)((?:\|[^\n]*\n?)+)")
TABLE = re.compile(r"^((?:\|[^\n]*(?:\n|\Z))+)", re.MULTILINE)


def shown_card(card: str) -> str:
    card = FRONT_MATTER.sub("", card)

    def fold(match: re.Match) -> str:
        table = match.group(3).rstrip("\n")
        rows = max(0, table.count("\n") - 1)
        return (f"{match.group(1)}<details><summary>the table: one row per epoch ({rows} rows)</summary>\n\n"
                f"{table}\n\n</details>\n")

    def scrolling(match: re.Match) -> str:
        """A table wider than a phone scrolls in a box of its own that the
        keyboard can reach (the page itself never scrolls sideways)."""
        return (f'<div class="lm-table-scroll" tabindex="0" role="region" aria-label="table">\n\n'
                f"{match.group(1).rstrip()}\n\n</div>\n")

    return TABLE.sub(scrolling, EPOCH_TABLE.sub(fold, card, count=1))


def _split_figure(split: str, value: dict) -> str:
    if "bits_per_char" in value:
        return f"{split} {value['bits_per_char']:.3f} bits/char (loss {value['loss']:.3f})"
    return f"{split} perplexity {value['perplexity']:.2f}, accuracy {value['accuracy']:.3f}"


def model_facts(entry) -> str:
    """Markdown about a ``studio.catalog.Entry``: corpus, size, figures, origin."""
    metrics, model = entry.metrics, entry.model
    lines = [f"**{entry.name}** · corpus `{metrics.get('corpus', '?')}` · {entry.tokenizer.level} level · "
             f"vocabulary {len(entry.tokenizer):,} · {model.parameter_count():,} parameters"]
    figures = [_split_figure(split, metrics[split]) for split in ("valid", "test") if split in metrics]
    if figures:
        lines.append(" · ".join(figures))
    if entry.hub is not None:
        lines.append(f"from the Hub: `{entry.hub.reference}` (commit `{entry.folder.name[:10]}`, cached)")
    return "  \n".join(lines)
