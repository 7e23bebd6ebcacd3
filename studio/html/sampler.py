"""HTML of the step mode: the text so far, and the next token's candidates
as large horizontal bars (token, bar, share) at the chosen temperature, with
a thin bar for T = 1 when the temperature is another, "everything else" as
one more row; a candidate row carries its token id so a click can choose it.
Pure functions of their inputs; every piece of text is escaped."""

from __future__ import annotations

import html

from lm.lesson.stepping import Choices
from studio.html.spoken import STYLE as SPOKEN_STYLE
from studio.html.spoken import swatch

STYLE = """
<style>
.lm-candidates{width:100%;border-collapse:collapse;}
.lm-candidates td{padding:2px 6px!important;vertical-align:middle;border:none!important;}
.lm-candidates tr{border-bottom:1px solid var(--border-color-primary);}
.lm-candidates.lm-last-draw{font-size:.8em;}
.lm-candidates.lm-last-draw td{padding:0 6px!important;}
.lm-candidates.lm-last-draw .lm-step-bar{height:8px;}
.lm-candidates tr[data-token-id]{cursor:pointer;}
.lm-candidates tr[data-token-id]:hover,.lm-candidates tr[data-token-id]:focus{background:var(--background-fill-secondary);}
.lm-candidates tr.lm-drawn{outline:3px solid #E69F00;}
.lm-candidate{font-family:var(--font-mono);font-size:1.15em;white-space:pre;width:1%;}
.lm-rest td:first-child{white-space:nowrap;}
.lm-bar-cell{width:100%;}
.lm-share{white-space:nowrap;width:1%;text-align:right;font-variant-numeric:tabular-nums;}
.lm-step-bar{display:block;height:18px;border-radius:3px;}
.lm-step-bar.lm-at-one{height:7px;margin-top:2px;}
.lm-step-text{white-space:pre-wrap;font-family:var(--font-mono);font-size:1.2em;line-height:1.5;}
.lm-step-text .lm-appended{background:rgba(0,114,178,.18);border-radius:2px;}
.lm-step-error{color:#b91c1c!important;font-weight:600;margin:0 0 6px!important;}
.dark .lm-step-error{color:#fca5a5!important;}
</style>
""" + SPOKEN_STYLE
AT_TEMPERATURE, AT_ONE = "#0072B2", "#767676"
LAST_DRAW_ROWS = 5  # the candidates a draw is shown among (the drawn one always)


def _scale(choices: Choices) -> float:
    """Percent of a bar cell's width per unit of probability: the largest share shown fills the cell."""
    shares = [choices.rest, choices.rest_at_one]
    shares += [share for c in choices.candidates for share in (c.probability, c.probability_at_one)]
    return 100 / max(max(shares), 1e-9)


def _bars(probability: float, at_one: float, choices: Choices, scale: float) -> str:
    """A row's bar cell and share cell: the share at the chosen temperature as a
    large bar, and the share at T = 1 as a thin one under it when they differ;
    ``scale``: percent of the cell's width per unit of probability."""
    bars = (f'<span class="lm-step-bar" style="width:{max(0.5, scale * probability):.1f}%;'
            f'background:{AT_TEMPERATURE}"></span>')
    share = f"{probability:.1%}"
    if choices.temperature != 1:
        bars += (f'<span class="lm-step-bar lm-at-one" style="width:{max(0.5, scale * at_one):.1f}%;'
                 f'background:{AT_ONE}" title="at T = 1: {at_one:.1%}"></span>')
        share += f' <span class="lm-note">({at_one:.1%} at T = 1)</span>'
    return f'<td class="lm-bar-cell">{bars}</td><td class="lm-share">{share}</td>'


def _shown(label: str) -> str:
    return {"\n": "⏎ (new line)", " ": "␣ (space)"}.get(label, label)


def _rows(choices: Choices, drawn: int | None, clickable: bool, scale: float) -> list[str]:
    rows = []
    for candidate in choices.candidates:
        marks = (f' data-token-id="{candidate.token_id}" tabindex="0"' if clickable else "") + \
            (' class="lm-drawn"' if candidate.token_id == drawn else "")
        rows.append(f'<tr{marks}><td class="lm-candidate">{html.escape(_shown(candidate.label))}</td>'
                    f"{_bars(candidate.probability, candidate.probability_at_one, choices, scale)}</tr>")
    return rows


def last_draw(choices: Choices, drawn: int | None) -> str:
    """The candidates the model just drew from, the drawn one marked."""
    found = any(candidate.token_id == drawn for candidate in choices.candidates)
    shown = choices.candidates[:LAST_DRAW_ROWS] + \
        [c for c in choices.candidates[LAST_DRAW_ROWS:] if c.token_id == drawn]
    top = Choices(choices.temperature, shown, choices.rest, choices.rest_at_one)
    note = "" if found else " (from outside the top candidates: everything else)"
    rows = "".join(_rows(top, drawn, clickable=False, scale=_scale(top)))
    return (STYLE + f'<div class="lm-note lm-last-draw">The model drew from these{note}:</div>'
            f'<table class="lm-candidates lm-last-draw">{rows}</table>'
            '<div class="lm-note">Next token:</div>')


def candidates(choices: Choices) -> str:
    """One clickable row per candidate, then everything else."""
    scale = _scale(choices)
    rows = _rows(choices, None, clickable=True, scale=scale)
    rest = _bars(choices.rest, choices.rest_at_one, choices, scale)
    rows.append(f'<tr class="lm-rest"><td><i>everything else</i></td>{rest}</tr>')
    at_one = f' <span>{swatch(AT_ONE)}thin bar: T = 1</span>' if choices.temperature != 1 else ""
    legend = (f'<div class="lm-note"><span>{swatch(AT_TEMPERATURE)}T = {choices.temperature:g}</span>{at_one}'
              " · click a token (or press Enter on it) to append it</div>")
    return STYLE + legend + f'<table class="lm-candidates">{"".join(rows)}</table>'


def text(prompt: str, appended: str, ended: bool) -> str:
    """The prompt, then what was appended by clicks and draws."""
    end = ' <span class="lm-eos">end of text</span>' if ended else ""
    return (STYLE + f'<div class="lm-step-text"><span class="lm-prompt">{html.escape(prompt)}</span>'
            f'<span class="lm-appended">{html.escape(appended)}</span>{end}</div>')
