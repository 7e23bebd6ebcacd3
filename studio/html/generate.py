"""What the Generate view shows, as HTML and Markdown: the sample columns
with per-token probabilities and ids (built up step by step as a stream
yields), the prompt as the model read it (the token view: each token's id in
a data attribute that the page's "Show tokens" switch draws, whitespace
made visible), the status line, and the next-token distribution as bars with
the note on what temperature did to it. Pure functions of their inputs (and
an accumulator of what a stream yields); no I/O; everything user-supplied is
escaped."""

from __future__ import annotations

import html
import re

from lm.prompt import Prompt, PromptPiece
from lm.tokenizer import EOS, EOS_ID, UNK, Gap, tail_piece
from studio.html.novelty import STYLE as NOVELTY_STYLE
from studio.html.novelty import copied_run_piece, novelty, novelty_note
from studio.html.spoken import STYLE as SPOKEN_STYLE
from studio.html.spoken import spoken, swatch

# The <eos> badge, wherever a sample that ended is shown.
EOS_STYLE = ".lm-eos{background:#444;color:#fff !important;border-radius:3px;padding:0 3px;font-size:.8em;margin-left:2px;}"
STYLE = """
<style>
.lm-columns{display:grid;gap:12px;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));}
.lm-column{border:1px solid var(--border-color-primary);border-radius:8px;padding:8px 10px;min-height:120px;}
.lm-column h3{margin:0 0 6px 0;font-size:1.05em;}
.lm-text{white-space:pre-wrap;font-family:var(--font-mono);line-height:1.5;}
.lm-prompt{opacity:.65;}
.lm-token{border-radius:3px;cursor:help;}
.lm-shaded{background:var(--lm-shade);}
.lm-no-shade .lm-columns .lm-shaded{background:none;}
""" + EOS_STYLE + """
.lm-prompt-tokens{display:none;}
.lm-show-tokens .lm-columns .lm-prompt-tokens{display:inline;}
.lm-show-tokens .lm-columns .lm-prompt-text{display:none;}
.lm-show-tokens .lm-columns .lm-text{word-break:break-all;}
.lm-show-tokens .lm-columns [data-id]{box-shadow:inset 0 0 0 1px var(--body-text-color-subdued,#888);
  border-radius:3px;margin:0 1px;padding:0 1px;white-space:nowrap;}
.lm-show-tokens .lm-columns [data-id]::after{content:attr(data-id);font-size:.6em;vertical-align:sub;opacity:.7;}
.lm-show-tokens .lm-columns [data-show]::before{content:attr(data-show);opacity:.6;position:static;width:auto;
  height:auto;overflow:visible;clip-path:none;}
.lm-unknown{background:rgba(230,40,40,.25);border-radius:3px;}
.lm-note{font-size:.85em;color:var(--body-text-color-subdued);margin-top:6px;}
.lm-bars td{padding:1px 6px;vertical-align:middle;}
.lm-bar{height:12px;border-radius:2px;display:inline-block;}
</style>
""" + SPOKEN_STYLE
VISIBLE_WHITESPACE = {"\n": "↵", " ": "·", "\t": "→"}  # how the token view shows a whitespace token
PROMPT_TOKENS_SHOWN = 400  # the token view shows a long prompt's last tokens only
# One hue per column (colour-blind friendly palette).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")


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


def prompt_tokens(prompt: Prompt, gap: Gap) -> str:
    """``prompt`` as the model read it, one span per piece (see
    ``piece_span``); an empty prompt shows the ``<eos>`` it starts from, a
    long one its last ``PROMPT_TOKENS_SHOWN`` pieces."""
    pieces, spans = prompt.pieces[-PROMPT_TOKENS_SHOWN:], []
    if len(prompt.pieces) > len(pieces):
        spans.append(f'<span class="lm-note">… {len(prompt.pieces) - len(pieces):,} earlier tokens</span>')
    before = None
    for piece in pieces:
        spans.append(gap(before, piece.text) + piece_span(piece))
        before = piece.text
    if prompt.fresh_start:
        spans.append(gap(before, EOS) + eos_span(f"the model starts from {EOS}, its picture of a fresh start"))
    return "".join(spans)


def _probability_colour(probability: float) -> str:
    """Unlikely tokens stand out in warm red; likely ones stay pale."""
    alpha = 0.55 * (1.0 - probability) + 0.05
    return f"rgba(230, 80, 40, {alpha:.2f})"


def token_span(piece: str, probability: float, alternatives: list[tuple[str, float]],
               token_id: int | None = None) -> str:
    tip = f"p = {probability:.3f}\n" + "\n".join(f"{token!r}: {value:.3f}" for token, value in alternatives)
    inside, after = split_line_break(piece)
    return (
        f'<span class="lm-token lm-shaded"{token_attributes(piece, token_id)}{spoken(f"p {probability:.2f}")} '
        f'style="--lm-shade:{_probability_colour(probability)}" title="{html.escape(tip)}">{html.escape(inside)}</span>'
        f'{after}'
    )


def columns(
    labels: list[str],
    prompt: str,
    spans: list[list[str]],
    ended: list[bool],
    unk_masked: list[int],
    notes: list[str] | None = None,
    read_prompt: str = "",
) -> str:
    """One labelled column per sample: the prompt, then the coloured tokens.
    ``read_prompt`` is the prompt's token view (``prompt_tokens``)."""
    parts = [STYLE, '<div class="lm-columns">']
    shown_prompt = html.escape(prompt)
    if read_prompt:
        shown_prompt = (f'<span class="lm-prompt-text">{shown_prompt}</span>'
                        f'<span class="lm-prompt-tokens">{read_prompt}</span>')
    for index, label in enumerate(labels):
        end = eos_span(f"the model drew {EOS}") if ended[index] else ""
        note = f"{unk_masked[index]} &lt;unk&gt; masked" if unk_masked[index] else ""
        if notes and notes[index]:
            note = f"{note} · {html.escape(notes[index])}" if note else html.escape(notes[index])
        parts.append(
            f'<div class="lm-column" data-label="{html.escape(label)}"><h3>{html.escape(label)}</h3>'
            f'<div class="lm-text"><span class="lm-prompt">{shown_prompt}</span>{"".join(spans[index])}{end}</div>'
            f'<div class="lm-note">{note}</div></div>'
        )
    parts.append("</div>")
    return "".join(parts)


def distribution_bars(tokens: list[str], table: dict[float, list[float]]) -> str:
    """For each candidate token, one bar per temperature."""
    temperatures = list(table)
    legend = " ".join(
        f'<span>{swatch(PALETTE[i % len(PALETTE)])}T = {t:g}</span>' for i, t in enumerate(temperatures)
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


def temperature_note(effects) -> str:
    """What each temperature did to the next-token distribution, one
    paragraph per ``lm.lesson.temperature.TemperatureEffect``."""
    return "".join(f'<p class="lm-temperature" data-temperature="{effect.temperature:g}">{html.escape(effect.note)}</p>'
                   for effect in effects)


def column_label(temperature: float) -> str:
    return f"T = {temperature:g}" + (" (greedy)" if temperature == 0 else "")


class SampleColumns:
    """The Generate view's columns while a stream runs: one per temperature,
    each token coloured by its probability as it arrives; ``read``, the
    encoded prompt, gives the prompt's token view."""

    def __init__(self, temperatures: tuple[float, ...], prompt: str, gap: Gap, read: Prompt | None = None):
        self.labels = [column_label(temperature) for temperature in temperatures]
        self.prompt, self.gap = prompt, gap  # gap: what goes between tokens (the tokenizer's)
        self.before = [tail_piece(prompt)] * len(temperatures)  # each column's last piece shown
        self.read_prompt = prompt_tokens(read, gap) if read is not None else ""
        self.spans: list[list[str]] = [[] for _ in temperatures]
        self.token_ids: list[list[int]] = [[] for _ in temperatures]
        self.ended, self.unk_masked = [False] * len(temperatures), [0] * len(temperatures)
        self.notes = [""] * len(temperatures)

    def add(self, step) -> None:
        """Append what an ``lm.sampling.Step`` drew to each row still going."""
        for row in range(len(self.labels)):
            if not self.ended[row] and not step.ended[row]:
                separator = self.gap(self.before[row], step.pieces[row])
                self.before[row] = step.pieces[row]
                self.spans[row].append(separator + token_span(step.pieces[row], step.probabilities[row],
                                                              step.alternatives[row], step.token_ids[row]))
                self.token_ids[row].append(step.token_ids[row])
        self.ended, self.unk_masked = step.ended, step.unk_masked

    def mark_truncated(self) -> None:
        self.notes = ["truncated"] * len(self.labels)

    def mark_copied(self, index, prompt_ids: list[int]) -> None:
        """Underline the spans copied from the training text; say how much is new."""
        for row, ids in enumerate(self.token_ids):
            copied = novelty(index, prompt_ids, ids)
            if copied is not None:
                self.spans[row] = [copied_run_piece(span, flag, copied[position - 1] if position else False)
                                   for position, (span, flag) in enumerate(zip(self.spans[row], copied))]
            self.notes[row] = " · ".join(note for note in (self.notes[row], novelty_note(copied)) if note)

    def html(self) -> str:
        return NOVELTY_STYLE + columns(self.labels, self.prompt, self.spans, self.ended, self.unk_masked, self.notes,
                       self.read_prompt)


def generation_status(steps: int, columns_shown: int, seconds: float, unknown: list[str], level: str,
                      fresh_start: bool, stopped_at: float | None = None) -> str:
    """The line under the columns: progress, what the prompt lost, why it stopped."""
    parts = [f"{steps} steps × {columns_shown} columns in {seconds:.2f} s"]
    if unknown:
        kind = f"unknown words became {markdown_code(UNK)}" if level == "word" else "unknown characters dropped"
        more = f" and {len(unknown) - 10:,} more" if len(unknown) > 10 else ""
        parts.append(f"{kind}: {', '.join(markdown_code(repr(piece)) for piece in unknown[:10])}{more}")
    if fresh_start:
        parts.append("empty prompt: starting fresh")
    if stopped_at is not None:
        parts.append(f"stopped at the {stopped_at} s limit")
    return " · ".join(parts)


def markdown_code(text: str) -> str:
    """``text`` as a Markdown code span, shown literally: a bare ``<unk>``
    would be read as an HTML tag and hide the rest of the line."""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"
