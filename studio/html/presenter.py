"""What presenter mode shows: a scene's heading (title, what the teacher
says, the scene counter) in large type, the frame its output is drawn in,
the address students use to join with its QR code, and the columns of the
"copied or new?" scene."""

from __future__ import annotations

import html

import segno

from studio.html.generate import STYLE as COLUMN_STYLE
from studio.html.novelty import STYLE as NOVELTY_STYLE

STYLE = """
<style>
body.lm-presenter-mode .tab-wrapper, body.lm-presenter-mode footer, body.lm-presenter-mode #lm-header {display:none;}
body.lm-presenter-mode .gradio-container{padding-top:4px !important;}
.lm-presenter{font-size:26px;line-height:1.3;}
.lm-presenter h2{font-size:32px !important;margin:0 0 2px 0;}
.lm-presenter-say{font-size:26px;margin:0 0 6px 0;}
.lm-presenter-output{font-size:24px;max-height:360px;overflow:hidden;}
.lm-presenter-output .lm-candidates td{padding:0 6px !important;}
.lm-presenter-output .lm-column,.lm-presenter-output .lm-every-column,.lm-presenter-output .lm-lapse-column{
  max-height:350px;overflow:hidden;}
.lm-presenter-join{font-size:24px;display:flex;gap:12px;align-items:center;}
/* On the projector no text is under 24 px: titles, notes and the heatmap's labels included. */
.lm-presenter .lm-note,.lm-presenter-output .lm-note,.lm-presenter-output .lm-novelty,
.lm-presenter-output .lm-lapse-figure,.lm-presenter-output .lm-eos{font-size:24px;}
.lm-presenter-output h3{font-size:24px !important;}
.lm-presenter-output .lm-heatmap,.lm-presenter-output .lm-heatmap th{font-size:24px;line-height:28px;}
.lm-presenter-output .lm-heatmap td,.lm-presenter-output .lm-heatmap th.lm-token-label{width:26px;min-width:26px;
  height:28px;}
/* The QR code on a white ground, so that it reads in the dark theme too. */
.lm-presenter-join svg{width:84px;height:84px;background:#fff;padding:4px;border-radius:4px;}
</style>
"""


def join_html(address: str) -> str:
    code = segno.make(address).svg_inline(scale=3)
    return f'<div class="lm-presenter-join">{code}<span>Join: <b>{html.escape(address)}</b></span></div>'


def heading(title: str, say: str, index: int, count: int) -> str:
    """Scene ``index`` (from 0) of ``count``: its title and what the teacher says."""
    return (STYLE + f'<div class="lm-presenter" data-scene="{index}"><h2>{html.escape(title)}</h2>'
            f'<p class="lm-presenter-say">{html.escape(say)}</p>'
            f'<div class="lm-note">scene {index + 1} of {count}</div></div>')


def output(content: str, ready: bool) -> str:
    """The scene's output; ``data-ready`` says whether it is drawn in full."""
    return f'<div class="lm-presenter-output" data-ready="{str(ready).lower()}">{content}</div>'


def copied_columns(columns: list[tuple[float, str, str]]) -> str:
    """One column per (temperature, % new note, marked text HTML)."""
    shown = [f'<div class="lm-column"><h3>T = {temperature:g} · {html.escape(note)}</h3>'
             f'<div class="lm-text">{text}</div></div>' for temperature, note, text in columns]
    return COLUMN_STYLE + NOVELTY_STYLE + f'<div class="lm-columns">{"".join(shown)}</div>'
