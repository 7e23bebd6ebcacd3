"""What the Time-lapse view shows: one column per snapshot, under its valid
loss in plain units (bits per character, or perplexity) and how much text
the model had read by then."""

from __future__ import annotations

import html
import math

STYLE = """
<style>
.lm-lapse{display:grid;gap:10px;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));}
.lm-lapse-column{border:1px solid var(--border-color-primary);border-radius:8px;padding:8px;}
.lm-lapse-column h3{margin:0;font-size:1em;}
.lm-lapse-figure{font-size:.85em;opacity:.8;margin-bottom:6px;}
.lm-lapse-text{white-space:pre-wrap;font-family:var(--font-mono);line-height:1.45;}
</style>
"""


def plain_loss(valid_loss: float, level: str) -> str:
    """A loss as students read it: bits per character for character models,
    perplexity for word models."""
    if level == "char":
        return f"{valid_loss / math.log(2):.2f} bits per character"
    return f"perplexity {math.exp(min(valid_loss, 700.0)):,.1f}"


def read_so_far(tokens_seen: int, level: str) -> str:
    unit = "characters" if level == "char" else "words"
    return f"after {tokens_seen:,} {unit} of training"


def columns(rows: list[dict], texts: list[str | None], level: str) -> str:
    """One column per snapshot: its name, figure and sample, prompt included
    (or "…" while it is drawn)."""
    parts = [STYLE, '<div class="lm-lapse">']
    for row, text in zip(rows, texts):
        title = "final" if row["name"] == "final" else f"epoch {row['epoch']}"
        body = "…" if text is None else html.escape(text)
        parts.append(f'<div class="lm-lapse-column" data-snapshot="{html.escape(row["name"])}"><h3>{title}</h3>'
                     f'<div class="lm-lapse-figure">{plain_loss(row["valid_loss"], level)} · '
                     f'{read_so_far(row["tokens_seen"], level)}</div>'
                     f'<div class="lm-lapse-text">{body}</div>'
                     "</div>")
    parts.append("</div>")
    return "".join(parts)
