"""HTML of the Inside view: a heatmap of units × generated tokens on a
diverging colour scale, the text shaded by one unit's activation
(LSTMVis-style), and the units ranked by a feature of the text. Pure
functions of their inputs; every piece of text is escaped."""

from __future__ import annotations

import html

from lm.tokenizer import Gap, tail_piece
from studio.html.spoken import HIDDEN, spoken
from studio.html.spoken import STYLE as SPOKEN_STYLE

LEVELS = 10  # colour steps on each side of the centre
STYLE = """
<style>
.lm-heatmap{overflow-x:auto;font-size:11px;}
.lm-heatmap table{border-collapse:collapse;margin:0;}
.lm-heatmap td{width:12px;min-width:12px;height:12px;padding:0!important;border:none!important;}
.lm-heatmap th{font-weight:normal;font-family:var(--font-mono);padding:0 3px!important;border:none!important;
  white-space:pre;font-size:11px;line-height:12px;}
.lm-heatmap th.lm-token-label{width:12px;min-width:12px;padding:0!important;text-align:center;vertical-align:bottom;}
.lm-heatmap tr[data-unit]{cursor:pointer;}
.lm-heatmap tr[data-unit]:hover th,.lm-heatmap tr[data-unit]:focus th{text-decoration:underline;}
.lm-heatmap tr.lm-picked th{font-weight:bold;}
.lm-heatmap td.lm-cell-0{background:transparent;}
""" + "".join(
    f".lm-heatmap td.lm-cell-{sign}{level}{{background:rgba({rgb},{level / LEVELS:.1f});}}"
    for sign, rgb in (("p", "214,39,40"), ("n", "31,119,180")) for level in range(1, LEVELS + 1)
) + f".lm-heatmap td::after{{{HIDDEN}}}.lm-heatmap td.lm-cell-0::after{{content:'0';}}" + "".join(
    # each cell's colour level, in words for a screen reader: tenths of the legend's ±scale
    f".lm-heatmap td.lm-cell-{sign}{level}::after{{content:'{'+' if sign == 'p' else '−'}{level / LEVELS:.1f}';}}"
    for sign in "pn" for level in range(1, LEVELS + 1)
) + """
.lm-unit-text{white-space:pre-wrap;font-family:var(--font-mono);line-height:1.6;}
.lm-unit-text span{border-radius:2px;}
</style>
""" + SPOKEN_STYLE
# Signals that live in [0, 1] (gates) are centred on 0.5; the others on 0.
CENTRES = {"input_gate": 0.5, "forget_gate": 0.5, "output_gate": 0.5}


def _colour(value: float, centre: float, scale: float) -> str:
    """Diverging scale: blue below the centre, red above, white at it."""
    strength = max(-1.0, min(1.0, (value - centre) / scale)) if scale > 0 else 0.0
    if strength >= 0:
        return f"rgba(214,39,40,{strength:.2f})"
    return f"rgba(31,119,180,{-strength:.2f})"


def _cell_class(value: float, centre: float, scale: float) -> str:
    """The heatmap's colour as one of ``2 * LEVELS + 1`` classes: a few bytes
    a cell, so a 500-token heatmap stays small enough to stream."""
    level = round(LEVELS * max(-1.0, min(1.0, (value - centre) / scale))) if scale > 0 else 0
    return "lm-cell-0" if level == 0 else f"lm-cell-{'p' if level > 0 else 'n'}{abs(level)}"


def _scale(rows: list[list[float]], centre: float) -> float:
    return max((abs(value - centre) for row in rows for value in row), default=1.0) or 1.0


def _label(piece: str) -> str:
    return {"\n": "⏎", " ": "␣", "": "∅"}.get(piece, piece)


def heatmap(pieces: list[str], units: list[int], values: list[list[float]], signal: str,
            picked: int | None = None) -> str:
    """One row per unit, one column per generated token (its label on top);
    ``values``: per token, one value per unit in ``units``. A row carries
    its unit number in ``data-unit``, so a click can pick it."""
    centre = CENTRES.get(signal, 0.0)
    scale = _scale(values, centre)
    header = "".join(f'<th class="lm-token-label" title="{html.escape(repr(piece))}">{html.escape(_label(piece))}</th>'
                     for piece in pieces)
    rows = []
    for column, unit in enumerate(units):
        cells = "".join(f'<td class="{_cell_class(values[token][column], centre, scale)}"></td>'
                        for token in range(len(pieces)))
        picked_class = ' class="lm-picked"' if unit == picked else ""
        rows.append(f'<tr data-unit="{unit}" tabindex="0"{picked_class}><th>{unit}</th>{cells}</tr>')
    legend = (f'<div class="lm-note">{html.escape(signal.replace("_", " "))}: blue below {centre:g}, red above '
              f"(±{scale:.2f}; a cell reads in tenths of it); click a row to shade the text by that unit</div>")
    return (STYLE + f'<div class="lm-heatmap" data-signal="{html.escape(signal)}" data-tokens="{len(pieces)}" tabindex="0" '
            f'role="region" aria-label="heatmap of {len(units)} units">'
            f"{legend}<table><tr><th>unit</th>{header}</tr>{''.join(rows)}</table></div>")


def shaded_text(prompt: str, pieces: list[str], values: list[float], unit: int, signal: str, gap: Gap) -> str:
    """The generated text, each token shaded by one unit's value (``gap``:
    what goes between pieces, the tokenizer's)."""
    centre = CENTRES.get(signal, 0.0)
    scale = _scale([values], centre)
    spans, before = [], tail_piece(prompt)
    for piece, value in zip(pieces, values):
        text, before = gap(before, piece) + piece, piece
        spans.append(f'<span style="background:{_colour(value, centre, scale)}"{spoken(f"{value:.2f}")} '
                     f'title="{value:.3f}">{html.escape(text)}</span>')
    return (STYLE + f'<div class="lm-note">unit {unit}, {html.escape(signal.replace("_", " "))}</div>'
            f'<div class="lm-unit-text" data-unit="{unit}"><span class="lm-prompt">{html.escape(prompt)}</span>'
            f"{''.join(spans)}</div>")


def ranking(feature: str, ranked: list[tuple[int, float]]) -> str:
    """Markdown: the units that follow ``feature`` most closely."""
    if not ranked:
        return f"No unit can be ranked by *{feature}* yet: the text has no such token, or only such tokens."
    listed = ", ".join(f"**{unit}** ({correlation:+.2f})" for unit, correlation in ranked[:8])
    return f"Units whose cell state follows *{feature}* best (correlation): {listed}"
