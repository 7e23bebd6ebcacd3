"""Can the shipped Human Numbers model count? The sequence-level figure:
numbers written correctly in a row by greedy sampling, and how the card shows it."""

from __future__ import annotations

import lm
from lm.corpora import number_words
from lm.hub.card import model_card
from lm.lesson.counting import VALID_STARTS, count_from, counting_figures, counting_prompt
from tests.support.paths import CHECKPOINTS


def test_a_prompt_is_consecutive_numbers_each_ending_in_a_full_stop():
    assert counting_prompt(8001) == "eight thousand one . eight thousand two ."
    assert counting_prompt(9998, numbers=1) == "nine thousand nine hundred ninety eight ."


def test_the_figure_counts_the_numbers_written_right_before_the_first_mistake():
    model, tokenizer = lm.load(str(CHECKPOINTS / "human-numbers"))
    for start in (*VALID_STARTS, 1234):
        result = count_from(model, tokenizer, start)
        written = [" ".join(number.split()) for number in result.continuation.split(".")]
        expected = [number_words(number) for number in range(start + 2, start + 2 + result.checked)]
        right = next((index for index, (got, want) in enumerate(zip(written, expected)) if got != want),
                     min(len(written), len(expected)))
        assert result.correct == right and result.prompt == counting_prompt(start)
    assert count_from(model, tokenizer, 9995).checked == 3  # the corpus stops at 9,999


def test_the_card_reports_the_figure_for_each_prompt():
    model, tokenizer = lm.load(str(CHECKPOINTS / "human-numbers"))
    counting = [result.to_json() for result in counting_figures(model, tokenizer)]
    card = model_card({"corpus": "human-numbers", "counting": counting,
                       "measured": [{"figure": "bits", "value": "1.63", "command": "python bench/passages.py"}]})
    assert "## Can it count?" in card and card.count("| `eight thousand") == 2 and "nine thousand one hundred one" in card
    assert "- bits: 1.63. Measured with `python bench/passages.py`." in card
