"""The Time-lapse view: one prompt, one temperature and one seed through
every snapshot a model kept while it trained, side by side, each column
under its valid loss (in plain units) and how much text the model had read
by then — the class watches it learn spelling, then words, then form."""

from __future__ import annotations

import html
import math
import threading

from lm.sampling import SamplingSettings, generate
from lm.training.snapshots import listed, load_snapshot
from studio import forms
from studio.handlers import Studio, user_error

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


class TimeLapse:
    """The Time-lapse view's callback over a ``Studio``; the snapshots of the
    model last shown stay loaded (one model's worth at a time)."""

    def __init__(self, studio: Studio):
        self.studio = studio
        self._loaded: dict[tuple[str, str], object] = {}
        self._lock = threading.Lock()

    def _snapshot(self, name: str, folder, snapshot: str):
        with self._lock:
            if not any(key[0] == name for key in self._loaded):
                self._loaded.clear()
            key = (name, snapshot)
            if key not in self._loaded:
                self._loaded[key] = load_snapshot(folder, snapshot)[0]
            return self._loaded[key]

    def view(self, name, prompt, temperature, max_new_tokens, seed):
        """Yield the columns as each snapshot's sample is drawn."""
        try:
            entry = self.studio.catalog.get(name)
            settings = SamplingSettings([forms.whole(temperature)], forms.whole(max_new_tokens), forms.whole(seed))
            rows = listed(entry.folder)
            if not rows:
                raise ValueError(f"model {name!r} kept no snapshots while it trained; train one with "
                                 "--snapshots (the Train view keeps them) to watch it learn")
        except ValueError as error:
            raise user_error(error) from error
        level = entry.tokenizer.level
        texts: list[str | None] = [None] * len(rows)
        yield columns(rows, texts, level)
        for index, row in enumerate(rows):
            model = self._snapshot(name, entry.folder, row["name"])
            texts[index] = generate(model, entry.tokenizer, prompt or "", settings).texts[0]
            yield columns(rows, texts, level)
