"""What the Generate view's token view shows: each token's id in a data
attribute (the page's "Show tokens" switch turns on, in the browser, the CSS
in ``studio.views.STYLE`` that draws the boundaries and ids), whitespace
tokens made visible, and the prompt as the model read it. Pure functions; no
I/O; everything user-supplied is escaped."""

from __future__ import annotations

import html

from lm.prompt import Prompt, PromptPiece
from lm.tokenizer import EOS, EOS_ID, UNK

VISIBLE_WHITESPACE = {"\n": "↵", " ": "·", "\t": "→"}  # how the token view shows a whitespace token
PROMPT_TOKENS_SHOWN = 400  # the token view shows a long prompt's last tokens only


def token_attributes(piece: str, token_id: int | None) -> str:
    """The token view's data: the id, and a sign for a whitespace token."""
    if token_id is None:
        return ""
    shown = VISIBLE_WHITESPACE.get(piece)
    return f' data-id="{token_id}"' + (f' data-show="{shown}"' if shown else "")


def split_line_break(piece: str) -> tuple[str, str]:
    """What a token's span holds and what follows it: a line break goes
    after its (empty) span, so the token view draws its mark and id before
    the break rather than at the start of the next line."""
    return ("", piece) if piece == "\n" else (piece, "")


def eos_span(title: str) -> str:
    return f'<span class="lm-eos" data-id="{EOS_ID}" title="{html.escape(title)}">{html.escape(EOS)}</span>'


def piece_span(piece: PromptPiece) -> str:
    """One piece of a prompt as the model read it; an unknown one is marked:
    a word as read as ``<unk>``, a character as dropped (it has no id)."""
    attributes, text = token_attributes(piece.text, piece.token_id), html.escape(piece.text)
    if piece.known:
        inside, after = split_line_break(piece.text)
        return f'<span class="lm-read"{attributes}>{html.escape(inside)}</span>{after}'
    read = "dropped (not in the vocabulary)" if piece.token_id is None else f"not in the vocabulary: read as {UNK}"
    return (f'<span class="lm-unknown" data-piece="{text}"{attributes} title="{html.escape(f"{piece.text!r} {read}")}">'
            f'<del>{text}</del>{"" if piece.token_id is None else html.escape(UNK)}</span>')


def prompt_tokens(prompt: Prompt, joiner: str) -> str:
    """``prompt`` as the model read it, one span per piece (see
    ``piece_span``); an empty prompt shows the ``<eos>`` it starts from, a
    long one its last ``PROMPT_TOKENS_SHOWN`` pieces."""
    pieces, spans = prompt.pieces[-PROMPT_TOKENS_SHOWN:], []
    if len(prompt.pieces) > len(pieces):
        spans.append(f'<span class="lm-note">… {len(prompt.pieces) - len(pieces):,} earlier tokens</span>')
    spans += [piece_span(piece) for piece in pieces]
    if prompt.fresh_start:
        spans.append(eos_span(f"the model starts from {EOS}, its picture of a fresh start"))
    return joiner.join(spans)
