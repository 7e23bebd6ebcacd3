"""What temperature does to the next-token distribution after a prompt
(``lm.scoring`` gives the distribution): three figures that say how sharp a
distribution is (the top token's share, the perplexity of the distribution,
the share outside the top k) at a temperature and at T = 1, with a
plain-language note comparing them. The studio's note comes from here and
its chart from ``lm.scoring.top_probabilities``, both from one set of
logits, so they show one distribution."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import torch

from lm.model import LSTMLanguageModel
from lm.prompt import Prompt
from lm.sampling import SamplingSettings
from lm.scoring import TOP_K, at_temperature, next_token_logits
from lm.tokenizer import Tokenizer

HIGH_TEMPERATURE = 2.0  # from here on the note adds that the distribution is close to flat


@dataclass(frozen=True)
class Sharpness:
    """How sharp one distribution is."""

    top_share: float  # the most likely token's probability
    perplexity: float  # exp(entropy in nats): the model "chooses among about this many tokens"
    outside_top: float  # the probability of every token outside the top k together


def sharpness(probabilities: torch.Tensor, k: int = TOP_K) -> Sharpness:
    """The figures of one distribution (V,), ``k`` for the share outside the top k."""
    ordered = probabilities.sort(descending=True).values  # (V,)
    entropy = -torch.where(ordered > 0, ordered * ordered.log(), torch.zeros_like(ordered)).sum()
    return Sharpness(float(ordered[0]), math.exp(float(entropy)), float(ordered[k:].sum()))


@dataclass(frozen=True)
class TemperatureEffect:
    """What temperature ``temperature`` did to a distribution, against T = 1."""

    temperature: float
    top_token: str  # the most likely token (as the tokenizer names it: '<eos>', '\n', 'the')
    k: int
    choices: int  # tokens the sampler may draw (the vocabulary without <unk>)
    at_temperature: Sharpness
    at_one: Sharpness
    note: str  # the plain-language sentence(s)


def percent(share: float) -> str:
    """A share as the note shows it: whole percents, one decimal below 1 %
    and above 99.5 %, and "under 0.1 %" / "over 99.9 %" at the ends."""
    value = 100 * share
    if value in (0, 100):
        return f"{value:.0f} %"
    if value < 0.05:
        return "under 0.1 %"
    if value >= 99.95:
        return "over 99.9 %"
    return f"{value:.1f} %" if value < 1 or value >= 99.5 else f"{value:.0f} %"


def tokens(perplexity: float) -> str:
    """A perplexity as the note shows it: one decimal, whole numbers from 100."""
    return f"{perplexity:.1f}" if perplexity < 99.95 else f"{perplexity:,.0f}"


def _moves(before: float, after: float, verbs: tuple[str, str, str]) -> str:
    """How a share moved from ``before`` to ``after``, as the note shows
    shares; ``verbs``: (went up, went down, shows no change)."""
    up, down, same = verbs
    if percent(before) == percent(after):
        return f"{same} {percent(after)}"
    return f"{up if after > before else down} from {percent(before)} to {percent(after)}"


def _note(effect: TemperatureEffect) -> str:
    t, k, token = f"{effect.temperature:g}", effect.k, repr(effect.top_token)
    one, now = effect.at_one, effect.at_temperature
    if effect.temperature == 0:
        return (f"At T = 0 (greedy) the model always takes its top token ({token}): its share rises from "
                f"{percent(one.top_share)} to {percent(now.top_share)}, the about {tokens(one.perplexity)} tokens it "
                f"chooses among at T = 1 shrink to {tokens(now.perplexity)}, and the same prompt always gives the "
                f"same text.")
    if effect.temperature == 1:
        return (f"At T = 1 the model draws from its own distribution unchanged: the top token ({token}) has "
                f"{percent(one.top_share)}; it chooses among about {tokens(one.perplexity)} tokens; tokens outside "
                f"the top {k} together hold {percent(one.outside_top)}.")
    top = _moves(one.top_share, now.top_share, ("rises", "falls", "stays at"))
    outside = _moves(one.outside_top, now.outside_top, ("rise", "fall", "stay at"))
    sentence = (f"At T = {t} the top token ({token}) {top}; the model now chooses among about "
                f"{tokens(now.perplexity)} tokens instead of {tokens(one.perplexity)}; tokens outside the top {k} "
                f"together {outside}.")
    if effect.temperature >= HIGH_TEMPERATURE:
        sentence += (f" At a temperature this high the distribution is close to flat (all {effect.choices:,} tokens "
                     f"equally likely would be perplexity {effect.choices:,}): rare tokens turn up often and the "
                     f"text falls apart.")
    return sentence


def temperature_effect(logits: torch.Tensor, temperature: float, tokenizer: Tokenizer,
                       k: int = TOP_K) -> TemperatureEffect:
    """The figures of ``softmax(logits / temperature)`` and of ``softmax(logits)``
    and the note comparing them; ``logits`` (V,) as ``next_token_logits``
    gives them. ``ValueError`` for a temperature outside [0, 5] or a k
    outside [1, V - 1]."""
    SamplingSettings(temperatures=(temperature,))  # the one place temperatures are checked
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k < logits.numel():
        raise ValueError(f"k must be an integer in [1, {logits.numel() - 1}], got {k}")
    effect = TemperatureEffect(temperature, tokenizer.token(int(logits.argmax())), k, int(torch.isfinite(logits).sum()),
                               sharpness(at_temperature(logits, temperature), k),
                               sharpness(at_temperature(logits, 1.0), k), "")
    return dataclasses.replace(effect, note=_note(effect))


@torch.inference_mode()
def explain_temperature(model: LSTMLanguageModel, tokenizer: Tokenizer, prompt: str | Prompt, temperature: float,
                        k: int = TOP_K) -> TemperatureEffect:
    """``temperature_effect`` for the token after ``prompt``."""
    return temperature_effect(next_token_logits(model, tokenizer, prompt), temperature, tokenizer, k)
