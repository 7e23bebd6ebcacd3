"""Can an LSTM count? Greedy sampling from Human Numbers prompts, judged
number by number.

Per-token accuracy hides errors that compound: most correct tokens are ``.``
and ``thousand``. This module owns the sequence-level figure instead: from a
prompt of a few consecutive numbers in words (``eight thousand one . eight
thousand two .``), how many of the following numbers greedy sampling writes
correctly, in a row, before its first mistake.

    prompt   eight thousand one . eight thousand two .
    sample    eight thousand three . eight thousand four . eight thousand six .
              └──── right ────────┘ └──── right ───────┘ └──── wrong ──────┘
    figure   2 correct numbers in a row
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from lm.corpora import number_words
from lm.model import LSTMLanguageModel
from lm.sampling import generate
from lm.tokenizer import Tokenizer

# Starts of the valid range's prompts (8,001 … 9,999 is never seen in training).
VALID_STARTS = (8001, 8550, 9101)
PROMPT_NUMBERS = 2  # numbers the prompt gives
MAX_NUMBERS = 20  # numbers sampled after the prompt
TOKENS_PER_NUMBER = 8  # "nine thousand nine hundred ninety nine ." is 7 tokens


@dataclass(frozen=True)
class Counting:
    """One prompt's result: ``correct`` numbers in a row, out of ``checked``."""

    prompt: str
    first_expected: int  # the number that should come first after the prompt
    correct: int
    checked: int
    continuation: str

    def to_json(self) -> dict:
        return asdict(self)


def counting_prompt(start: int, numbers: int = PROMPT_NUMBERS) -> str:
    """``numbers`` consecutive numbers from ``start``, each followed by `` .``."""
    return " ".join(f"{number_words(number)} ." for number in range(start, start + numbers))


def count_from(model: LSTMLanguageModel, tokenizer: Tokenizer, start: int,
               max_numbers: int = MAX_NUMBERS) -> Counting:
    """Greedy sampling from ``counting_prompt(start)``: the numbers it writes,
    compared one by one with the numbers that follow, up to the first error
    (numbers past 9,999 are not checked: the corpus stops there)."""
    prompt = counting_prompt(start)
    first = start + PROMPT_NUMBERS
    checked = max(0, min(max_numbers, 10_000 - first))
    sample = generate(model, tokenizer, prompt, temperatures=[0.0], max_new_tokens=max(1, checked) * TOKENS_PER_NUMBER)
    written = [" ".join(number.split()) for number in sample.samples[0].continuation.split(".")]
    correct = 0
    for offset in range(checked):
        if offset >= len(written) or written[offset] != number_words(first + offset):
            break
        correct += 1
    return Counting(prompt, first, correct, checked, sample.samples[0].continuation)


def counting_figures(model: LSTMLanguageModel, tokenizer: Tokenizer, starts=VALID_STARTS) -> list[Counting]:
    """``count_from`` for each start of the valid range."""
    return [count_from(model, tokenizer, start) for start in starts]
