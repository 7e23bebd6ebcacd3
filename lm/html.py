"""HTML views for the studio: sample columns with per-token probabilities,
surprisal-coloured text and next-token distribution bars. Pure functions of
their inputs; everything user-supplied is escaped."""

from __future__ import annotations

import html
import math

STYLE = """
<style>
.lm-columns{display:grid;gap:12px;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));}
.lm-column{border:1px solid var(--border-color-primary);border-radius:8px;padding:8px 10px;min-height:120px;}
.lm-column h3{margin:0 0 6px 0;font-size:1.05em;}
.lm-text{white-space:pre-wrap;font-family:var(--font-mono);line-height:1.5;}
.lm-prompt{opacity:.65;}
.lm-token{border-radius:3px;cursor:help;}
.lm-eos{background:#444;color:#fff;border-radius:3px;padding:0 3px;font-size:.8em;margin-left:2px;}
.lm-note{font-size:.85em;opacity:.8;margin-top:6px;}
.lm-bars td{padding:1px 6px;vertical-align:middle;}
.lm-bar{height:12px;border-radius:2px;display:inline-block;}
</style>
"""
# One hue per column (colour-blind friendly palette).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")


def _probability_colour(probability: float) -> str:
    """Unlikely tokens stand out in warm red; likely ones stay pale."""
    alpha = 0.55 * (1.0 - probability) + 0.05
    return f"rgba(230, 80, 40, {alpha:.2f})"


def token_span(piece: str, probability: float, alternatives: list[tuple[str, float]]) -> str:
    tip = f"p = {probability:.3f}\n" + "\n".join(f"{token!r}: {value:.3f}" for token, value in alternatives)
    return (
        f'<span class="lm-token" style="background:{_probability_colour(probability)}" '
        f'title="{html.escape(tip)}">{html.escape(piece)}</span>'
    )


def columns(
    labels: list[str],
    prompt: str,
    spans: list[list[str]],
    ended: list[bool],
    unk_masked: list[int],
    notes: list[str] | None = None,
) -> str:
    """One labelled column per sample: the prompt, then the coloured tokens."""
    parts = [STYLE, '<div class="lm-columns">']
    for index, label in enumerate(labels):
        end = '<span class="lm-eos" title="the model drew &lt;eos&gt;">&lt;eos&gt;</span>' if ended[index] else ""
        note = f"{unk_masked[index]} &lt;unk&gt; masked" if unk_masked[index] else ""
        if notes and notes[index]:
            note = f"{note} · {html.escape(notes[index])}" if note else html.escape(notes[index])
        parts.append(
            f'<div class="lm-column" data-label="{html.escape(label)}"><h3>{html.escape(label)}</h3>'
            f'<div class="lm-text"><span class="lm-prompt">{html.escape(prompt)}</span>{"".join(spans[index])}{end}</div>'
            f'<div class="lm-note">{note}</div></div>'
        )
    parts.append("</div>")
    return "".join(parts)


def surprisal_text(pieces: list[str], surprisals: list[float], joiner: str) -> str:
    """Text coloured by bits of surprise per token (0 bits pale, ≥ 12 bits deep)."""
    spans = []
    for piece, bits in zip(pieces, surprisals):
        alpha = min(bits / 12.0, 1.0) * 0.7 + 0.03
        spans.append(
            f'<span class="lm-token" style="background:rgba(120,60,220,{alpha:.2f})" '
            f'title="{bits:.2f} bits">{html.escape(piece)}</span>'
        )
    return STYLE + f'<div class="lm-text">{joiner.join(spans)}</div>'


def distribution_bars(tokens: list[str], table: dict[float, list[float]]) -> str:
    """For each candidate token, one bar per temperature."""
    temperatures = list(table)
    legend = " ".join(
        f'<span style="color:{PALETTE[i % len(PALETTE)]}">■ T = {t:g}</span>' for i, t in enumerate(temperatures)
    )
    rows = []
    for row, token in enumerate(tokens):
        bars = "".join(
            f'<div><span class="lm-bar" style="width:{max(1.0, 240 * table[t][row]):.0f}px;'
            f'background:{PALETTE[i % len(PALETTE)]}"></span> {table[t][row]:.3f}</div>'
            for i, t in enumerate(temperatures)
        )
        rows.append(f"<tr><td><code>{html.escape(repr(token))}</code></td><td>{bars}</td></tr>")
    return STYLE + f'<div class="lm-note">{legend}</div><table class="lm-bars">{"".join(rows)}</table>'


def perplexity_text(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:,.2f}"
