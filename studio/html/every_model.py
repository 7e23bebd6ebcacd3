"""What the Every model view shows: one column per model, titled with its
corpus, level and size, saying what the model made of the prompt and how
much of its sample is new."""

from __future__ import annotations

import html

from studio.html.generate import EOS_STYLE
from studio.html.novelty import STYLE as NOVELTY_STYLE

STYLE = NOVELTY_STYLE + """
<style>
.lm-every{display:grid;gap:10px;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));}
.lm-every-column{border:1px solid var(--border-color-primary);border-radius:8px;padding:8px;}
.lm-every-column h3{margin:0 0 2px 0;font-size:1em;}
.lm-every-text{white-space:pre-wrap;font-family:var(--font-mono);line-height:1.45;margin-top:6px;}
""" + EOS_STYLE + """
</style>
"""


def title(entry) -> str:
    corpus = entry.metrics.get("corpus", "own text")
    return f"{corpus} · {entry.tokenizer.level} level · {entry.model.parameter_count() / 1e6:.1f} M parameters"


def read_note(unknown: list[str], level: str) -> str:
    """What the model made of the prompt."""
    if not unknown:
        return "read the whole prompt"
    shown = ", ".join(repr(piece) for piece in unknown[:8])
    return f"did not know {shown}: " + ("read as <unk>" if level == "word" else "left out")


def column(entry, text: str, read: str, new: str) -> str:
    """One model's column; ``text`` is HTML already."""
    return (f'<div class="lm-every-column" data-model="{html.escape(entry.name)}"><h3>{html.escape(entry.name)}'
            f'</h3><div class="lm-note">{html.escape(title(entry))}</div>'
            f'<div class="lm-note lm-read">{html.escape(read)}</div>'
            f'<div class="lm-novelty">{html.escape(new)}</div><div class="lm-every-text">{text}</div></div>')


def page(columns: list[str]) -> str:
    return STYLE + f'<div class="lm-every">{"".join(columns)}</div>'
