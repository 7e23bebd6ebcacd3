"""A prompt as the model reads it: text turned into ids with the model's own
vocabulary, what could not be represented, and the limits on its size."""

from __future__ import annotations

from dataclasses import dataclass

from lm.tokenizer import EOS_ID, UNK_ID, Tokenizer

MAX_PROMPT_CHARACTERS = 20_000
MAX_PROMPT_TOKENS = 5_000


@dataclass
class Prompt:
    """A prompt as the model sees it, plus what could not be represented."""

    ids: list[int]
    unknown: list[str]  # words that became <unk>, or characters dropped
    fresh_start: bool  # empty prompt: the model starts from <eos>


def encode_prompt(tokenizer: Tokenizer, prompt: str) -> Prompt:
    """Word level: unknown words become ``<unk>`` and are reported. Character
    level: unknown characters are reported and dropped. An empty prompt
    starts from ``<eos>``, the model's picture of a fresh start."""
    if not isinstance(prompt, str):
        raise ValueError(f"prompt must be text, got {type(prompt).__name__}")
    if len(prompt) > MAX_PROMPT_CHARACTERS:
        raise ValueError(f"prompt is {len(prompt):,} characters long; the limit is {MAX_PROMPT_CHARACTERS:,}")
    unknown = tokenizer.unknown_pieces(prompt)
    ids = tokenizer.encode(prompt)
    if tokenizer.level == "char":
        ids = [token_id for token_id in ids if token_id != UNK_ID]
    if len(ids) > MAX_PROMPT_TOKENS:
        raise ValueError(f"prompt is {len(ids):,} tokens long; the limit is {MAX_PROMPT_TOKENS:,}")
    if not ids:
        return Prompt([EOS_ID], unknown, True)
    return Prompt(ids, unknown, False)


def as_prompt(tokenizer: Tokenizer, prompt: str | Prompt) -> Prompt:
    """``prompt`` encoded, unless it already is."""
    return prompt if isinstance(prompt, Prompt) else encode_prompt(tokenizer, prompt)
