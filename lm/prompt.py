"""A prompt as the model reads it: text turned into ids with the model's own
vocabulary, what could not be represented, and the limits on its size."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from lm.tokenizer import EOS_ID, UNK_ID, Tokenizer

MAX_PROMPT_CHARACTERS = 20_000
MAX_PROMPT_TOKENS = 5_000


class PromptPiece(NamedTuple):
    """One word or character of a prompt and what the model reads for it."""

    text: str  # the piece as split from the text, before lookup
    token_id: int | None  # its id; <unk>'s for an unknown word, None for an unknown character (dropped)
    known: bool  # whether the vocabulary holds it


@dataclass
class Prompt:
    """A prompt as the model sees it, plus what could not be represented."""

    ids: list[int]
    unknown: list[str]  # words that became <unk>, or characters dropped
    fresh_start: bool  # empty prompt: the model starts from <eos>
    pieces: list[PromptPiece] = field(default_factory=list)  # every piece of the text, in order


def read_pieces(tokenizer: Tokenizer, prompt: str) -> list[PromptPiece]:
    """Each piece of ``prompt`` with the id the model reads for it: an
    unknown word is read as ``<unk>``, an unknown character is dropped."""
    unknown_id = None if tokenizer.level == "char" else UNK_ID
    index = tokenizer.index
    return [PromptPiece(piece, index.get(piece, unknown_id), piece in index) for piece in tokenizer.split(prompt)]


def encode_prompt(tokenizer: Tokenizer, prompt: str) -> Prompt:
    """Word level: unknown words become ``<unk>`` and are reported. Character
    level: unknown characters are reported and dropped. An empty prompt
    starts from ``<eos>``, the model's picture of a fresh start."""
    if not isinstance(prompt, str):
        raise ValueError(f"prompt must be text, got {type(prompt).__name__}")
    if len(prompt) > MAX_PROMPT_CHARACTERS:
        raise ValueError(f"prompt is {len(prompt):,} characters long; the limit is {MAX_PROMPT_CHARACTERS:,}")
    pieces = read_pieces(tokenizer, prompt)
    unknown = [piece.text for piece in pieces if not piece.known]
    ids = [piece.token_id for piece in pieces if piece.token_id is not None]
    if len(ids) > MAX_PROMPT_TOKENS:
        raise ValueError(f"prompt is {len(ids):,} tokens long; the limit is {MAX_PROMPT_TOKENS:,}")
    if not ids:
        return Prompt([EOS_ID], unknown, True, pieces)
    return Prompt(ids, unknown, False, pieces)


def as_prompt(tokenizer: Tokenizer, prompt: str | Prompt) -> Prompt:
    """``prompt`` encoded, unless it already is."""
    return prompt if isinstance(prompt, Prompt) else encode_prompt(tokenizer, prompt)
