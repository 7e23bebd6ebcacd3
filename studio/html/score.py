"""What the Score view shows: each model's perplexity over the text and the
text shaded by each token's surprisal in bits. Pure functions; everything
user-supplied is escaped."""

from __future__ import annotations

import html
import math

from lm.tokenizer import Gap
from studio.html.generate import STYLE


def surprisal_text(pieces: list[str], surprisals: list[float], gap: Gap) -> str:
    """Text coloured by bits of surprise per token (0 bits pale, ≥ 12 bits deep)."""
    spans, before = [], None
    for piece, bits in zip(pieces, surprisals):
        alpha = min(bits / 12.0, 1.0) * 0.7 + 0.03
        spans.append(gap(before, piece) + f'<span class="lm-token" style="background:rgba(120,60,220,{alpha:.2f})" '
                     f'title="{bits:.2f} bits">{html.escape(piece)}</span>')
        before = piece
    return STYLE + f'<div class="lm-text">{"".join(spans)}</div>'


def perplexity_text(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.2f}"


def score_section(name: str, result, gap: Gap) -> str:
    """One model's perplexity and the text shaded by an ``lm.scoring.Score``."""
    return (f"<h3>{html.escape(name)}: perplexity {perplexity_text(result.perplexity)} "
            f"({len(result.pieces)} tokens)</h3>" + surprisal_text(result.pieces, result.surprisals, gap))
