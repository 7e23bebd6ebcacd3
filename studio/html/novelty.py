"""Copied or new? A sample's text with the spans that occur verbatim in the
model's training text underlined (12 characters or more for character
models, 4 words or more for word models), and the share of new text, read
from the training index kept beside the checkpoint (``Entry.training_index``);
a model without one says "no training index" rather than guessing."""

from __future__ import annotations

import html

from lm.lesson.novelty import NgramIndex
from lm.tokenizer import EOS_ID, Tokenizer, joined, tail_piece
from studio.html.spoken import STYLE as SPOKEN_STYLE
from studio.html.spoken import spoken

NO_INDEX = "no training index"


STYLE = """
<style>
.lm-copied{text-decoration:underline;text-decoration-thickness:2px;text-decoration-color:#D55E00;
  text-underline-offset:3px;}
.lm-novelty{font-size:.85em;color:var(--body-text-color-subdued);}
</style>
""" + SPOKEN_STYLE


def novelty(index: NgramIndex | None, prompt_ids: list[int], token_ids: list[int]) -> list[bool] | None:
    """Per generated token, whether it lies in a span copied from the
    training text (None without an index)."""
    if index is None:
        return None
    return index.copied(list(prompt_ids) + list(token_ids), start=len(prompt_ids))


def novelty_note(copied: list[bool] | None) -> str:
    """"83 % new" under a column, or that there is no index to tell."""
    if copied is None:
        return NO_INDEX
    if not copied:
        return "nothing generated"
    return f"{100 * (1 - sum(copied) / len(copied)):.0f} % new"


def marked_text(tokenizer: Tokenizer, prompt: str, token_ids: list[int], copied: list[bool] | None) -> str:
    """The prompt, then the generated tokens with copied spans underlined."""
    parts, run, run_copied, before = [], [], None, tail_piece(prompt)
    for position, token_id in enumerate(token_ids):
        if token_id == EOS_ID:
            break
        is_copied = bool(copied and copied[position])
        if run and is_copied != run_copied:
            parts.append(_span(tokenizer, run, run_copied, before))
            before, run = tokenizer.decode(run[-1:]), []
        run.append(token_id)
        run_copied = is_copied
    if run:
        parts.append(_span(tokenizer, run, run_copied, before))
    return f'<span class="lm-prompt">{html.escape(prompt)}</span>' + "".join(parts)


def _span(tokenizer: Tokenizer, ids: list[int], copied: bool | None, before: str | None) -> str:
    """A run of tokens as one span, after the gap before its first token (so
    an underline starts at the run's first letter)."""
    pieces = [tokenizer.decode([token_id]) for token_id in ids]
    text = html.escape(joined(pieces[1:], tokenizer.gap, pieces[0]))
    return (tokenizer.gap(before, pieces[0]) + copied_run_piece(html.escape(pieces[0]) + text, bool(copied),
                                                                copied_before=False, title=' title="in the training text"'))


def copied_run_piece(markup: str, copied: bool, copied_before: bool, title: str = "") -> str:
    """``markup`` (escaped already), underlined when ``copied``; where a copied
    run starts, or the new text after one, a screen reader hears so."""
    if copied:
        said = "" if copied_before else spoken("copied from the training text:")
        return f'<span class="lm-copied"{said}{title}>{markup}</span>'
    return f'<span{spoken("new text:")}>{markup}</span>' if copied_before else markup
