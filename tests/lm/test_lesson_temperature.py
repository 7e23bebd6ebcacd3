"""What temperature does to the next-token distribution: the note's figures
are those of the distribution, worked out here by hand from the logits, to
the rounding the note shows; greedy and very high temperatures get their own
sentence; the chart's probabilities are the note's."""

from __future__ import annotations

import math
import re
import string

import pytest
import torch

from lm.lesson.temperature import explain_temperature, percent, temperature_effect, tokens
from lm.scoring import next_token_logits, top_probabilities
from lm.sampling import SamplingSettings
from lm.scoring import next_token_distribution
from lm.tokenizer import SPECIALS, Tokenizer

SHARE = re.compile(r"(?:under |over )?(\d+(?:\.\d+)?) %")
COUNT = re.compile(r"about (\d[\d,]*(?:\.\d+)?) tokens(?: instead of (\d[\d,]*(?:\.\d+)?))?")


@pytest.fixture
def characters() -> Tokenizer:
    return Tokenizer("char", [*SPECIALS, *string.ascii_letters, " ", ",", ".", "\n"])


def next_logits(size: int, seed: int = 0) -> torch.Tensor:
    """Logits as ``next_token_logits`` gives them: float64, ``<unk>`` at -inf."""
    logits = torch.randn(size, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) * 2.5
    logits[0] = -math.inf
    return logits


def by_hand(logits: torch.Tensor, temperature: float, k: int = 10) -> tuple[float, float, float]:
    """Top share, perplexity and share outside the top k, in plain Python."""
    scaled = [value / temperature for value in logits.tolist() if value != -math.inf]
    largest = max(scaled)
    weights = [math.exp(value - largest) for value in scaled]
    shares = sorted((weight / sum(weights) for weight in weights), reverse=True)
    entropy = -sum(share * math.log(share) for share in shares if share > 0)
    return shares[0], math.exp(entropy), sum(shares[k:])


def shown_close(shown: str, value: float) -> bool:
    """``shown`` ("61", "0.2", "7.4") is ``value`` to the decimals shown."""
    decimals = len(shown.split(".")[1]) if "." in shown else 0
    return abs(float(shown.replace(",", "")) - value) <= 0.5 * 10 ** -decimals + 1e-9


@pytest.mark.parametrize("temperature", [0.5, 0.8, 1.3])
def test_the_notes_figures_are_the_distributions_to_the_rounding_shown(characters, temperature):
    logits = next_logits(len(characters))
    effect = temperature_effect(logits, temperature, characters)
    top_one, perplexity_one, outside_one = by_hand(logits, 1.0)
    top, perplexity, outside = by_hand(logits, temperature)
    assert effect.at_temperature.top_share == pytest.approx(top, rel=1e-9)
    assert effect.at_temperature.perplexity == pytest.approx(perplexity, rel=1e-9)
    assert effect.at_temperature.outside_top == pytest.approx(outside, rel=1e-9, abs=1e-12)
    assert effect.at_one.perplexity == pytest.approx(perplexity_one, rel=1e-9)
    shares = SHARE.findall(effect.note)  # top from, top to, outside from, outside to
    counts = COUNT.search(effect.note).groups()  # now, at T = 1
    assert len(shares) == 4, effect.note
    for shown, value in zip(shares, [top_one, top, outside_one, outside]):
        assert shown_close(shown, 100 * value), (shown, value, effect.note)
    assert shown_close(counts[0], perplexity) and shown_close(counts[1], perplexity_one), effect.note
    token = repr(characters.token(int(logits.argmax())))
    direction = "rises" if temperature < 1 else "falls"
    assert effect.note.startswith(f"At T = {temperature:g} the top token ({token}) {direction} from ")
    assert f"tokens outside the top 10 together {'fall' if temperature < 1 else 'rise'} from " in effect.note


def test_sharpening_raises_the_top_share_and_lowers_the_perplexity(characters):
    logits = next_logits(len(characters), seed=3)
    cold, warm = (temperature_effect(logits, value, characters) for value in (0.3, 1.7))
    assert cold.at_temperature.top_share > cold.at_one.top_share > warm.at_temperature.top_share
    assert cold.at_temperature.perplexity < cold.at_one.perplexity < warm.at_temperature.perplexity
    assert cold.at_temperature.outside_top < cold.at_one.outside_top < warm.at_temperature.outside_top


def test_greedy_gets_its_own_sentence(characters):
    logits = next_logits(len(characters))
    effect = temperature_effect(logits, 0, characters)
    top_one, perplexity_one, _ = by_hand(logits, 1.0)
    assert (effect.at_temperature.top_share, effect.at_temperature.perplexity, effect.at_temperature.outside_top) == (
        1.0, 1.0, 0.0)
    token = repr(characters.token(int(logits.argmax())))
    assert effect.note == (
        f"At T = 0 (greedy) the model always takes its top token ({token}): its share rises from {percent(top_one)} "
        f"to 100 %, the about {tokens(perplexity_one)} tokens it chooses among at T = 1 shrink to 1.0, and the same "
        f"prompt always gives the same text.")


def test_very_high_temperatures_get_their_own_sentence(characters):
    logits = next_logits(len(characters))
    high, moderate = temperature_effect(logits, 4.0, characters), temperature_effect(logits, 1.5, characters)
    flat = f"close to flat (all {len(characters) - 1} tokens equally likely would be perplexity {len(characters) - 1})"
    assert flat in high.note and "falls apart" in high.note
    assert "close to flat" not in moderate.note
    assert high.at_temperature.perplexity == pytest.approx(by_hand(logits, 4.0)[1], rel=1e-9)


def test_at_one_the_note_describes_the_distribution_unchanged(characters):
    logits = next_logits(len(characters))
    top, perplexity, outside = by_hand(logits, 1.0)
    note = temperature_effect(logits, 1.0, characters).note
    assert note.startswith("At T = 1 the model draws from its own distribution unchanged")
    assert f"has {percent(top)}; it chooses among about {tokens(perplexity)} tokens" in note
    assert f"outside the top 10 together hold {percent(outside)}." in note


@pytest.mark.parametrize("value, shown", [(0.0, "0 %"), (0.0004, "under 0.1 %"), (0.002, "0.2 %"), (0.0051, "0.5 %"), (0.0949, "9 %"),
                                          (0.26, "26 %"), (0.994, "99 %"), (0.997, "99.7 %"), (0.99996, "over 99.9 %"),
                                          (1.0, "100 %")])
def test_shares_are_rounded_as_the_note_shows_them(value, shown):
    assert percent(value) == shown


def test_bad_temperature_or_k_is_refused_naming_the_value(characters):
    logits = next_logits(len(characters))
    with pytest.raises(ValueError, match=re.escape("temperature must be in [0, 5], got 6.0")):
        temperature_effect(logits, 6.0, characters)
    with pytest.raises(ValueError, match=re.escape(f"k must be an integer in [1, {len(characters) - 1}], got 0")):
        temperature_effect(logits, 0.5, characters, k=0)


def test_the_chart_and_the_note_show_one_distribution(tiny_model, word_tokenizer):
    logits = next_token_logits(tiny_model, word_tokenizer, "the cat")
    assert logits[0] == -math.inf and logits.dtype == torch.float64
    effect = explain_temperature(tiny_model, word_tokenizer, "the cat", 0.5, k=3)
    assert effect == temperature_effect(logits, 0.5, word_tokenizer, k=3)
    names, table = top_probabilities(logits, word_tokenizer, (0.5, 1.0), top=3)
    assert names[0] == effect.top_token
    assert table[0.5][0] == effect.at_temperature.top_share and table[1.0][0] == effect.at_one.top_share
    assert 1 - sum(table[0.5]) == pytest.approx(effect.at_temperature.outside_top, abs=1e-12)
    assert next_token_distribution(tiny_model, word_tokenizer, "the cat", SamplingSettings((0.5, 1.0)), top=3) == (
        names, table)
