"""The "every model" view: one prompt through up to six models at one
temperature and seed, side by side, each column titled with its model's
corpus, level and size, showing what the model made of the prompt (unknown
words became ``<unk>``, unknown characters were dropped) and how much of its
sample is new rather than copied from its training text."""

from __future__ import annotations

import html

from lm.prompt import encode_prompt
from lm.sampling import SamplingSettings, generate
from studio import forms
from studio.handlers import Studio, user_error
from studio.novelty_views import STYLE as NOVELTY_STYLE
from studio.novelty_views import marked_text, novelty, novelty_note, training_index

MAX_MODELS = 6
STYLE = NOVELTY_STYLE + """
<style>
.lm-every{display:grid;gap:10px;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));}
.lm-every-column{border:1px solid var(--border-color-primary);border-radius:8px;padding:8px;}
.lm-every-column h3{margin:0 0 2px 0;font-size:1em;}
.lm-every-text{white-space:pre-wrap;font-family:var(--font-mono);line-height:1.45;margin-top:6px;}
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


class EveryModel:
    """The view's callback over a ``Studio``."""

    def __init__(self, studio: Studio):
        self.studio = studio

    def default_models(self) -> list[str]:
        """The shipped models (up to six), ticked when the page opens."""
        return [name for name in self.studio.catalog.names() if name in self.studio.catalog.preferred][:MAX_MODELS]

    def view(self, names, prompt, temperature, max_new_tokens, seed):
        """Yield the columns as each model's sample is drawn."""
        try:
            names = [names] if isinstance(names, str) else list(names or [])
            if not 1 <= len(names) <= MAX_MODELS:
                raise ValueError(f"tick between 1 and {MAX_MODELS} models, got {len(names)}")
            entries = [self.studio.catalog.get(name) for name in names]
            settings = SamplingSettings([forms.whole(temperature)], forms.whole(max_new_tokens), forms.whole(seed))
        except ValueError as error:
            raise user_error(error) from error
        columns = [self._column(entry, "…", "", "") for entry in entries]
        yield self._page(columns)
        for index, entry in enumerate(entries):
            encoded = encode_prompt(entry.tokenizer, prompt or "")
            sample = generate(entry.engine(True), entry.tokenizer, encoded, settings).samples[0]
            shown_prompt = "" if encoded.fresh_start else entry.tokenizer.decode(encoded.ids)
            copied = novelty(training_index(entry.folder), [] if encoded.fresh_start else encoded.ids,
                             sample.token_ids)
            text = marked_text(entry.tokenizer, shown_prompt, sample.token_ids, copied)
            columns[index] = self._column(entry, text, read_note(encoded.unknown, entry.tokenizer.level),
                                          novelty_note(copied))
            yield self._page(columns)

    @staticmethod
    def _column(entry, text: str, read: str, new: str) -> str:
        return (f'<div class="lm-every-column" data-model="{html.escape(entry.name)}"><h3>{html.escape(entry.name)}'
                f'</h3><div class="lm-note">{html.escape(title(entry))}</div>'
                f'<div class="lm-note lm-read">{html.escape(read)}</div>'
                f'<div class="lm-novelty">{html.escape(new)}</div><div class="lm-every-text">{text}</div></div>')

    @staticmethod
    def _page(columns: list[str]) -> str:
        return STYLE + f'<div class="lm-every">{"".join(columns)}</div>'
