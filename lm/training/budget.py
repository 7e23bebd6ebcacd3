"""Settings picked from a time budget, for users who give only
``--max-minutes``: the rule behind ``lm.training.planning.plan_run``.

The best model per minute depends on how many tokens the machine gets
through in that time: a small LSTM that sees the corpus many times beats a
large one that sees it once. So a budget of ``MIN_PROBE_MINUTES`` or more
starts with a probe (``lm.training.probe``, at most ``PROBE_SHARE`` of the budget,
which training then does not get) that times a few training steps of each
``CANDIDATES`` shape on the device and precision of the run, and
``pick_settings`` takes the largest candidate that still sees
``TOKENS_PER_PARAMETER`` training tokens per LSTM parameter in the time left
and is not too large for the corpus; its dropout and weight decay grow with
the passes over the corpus it can make (``REGULARISATION``), so that the
best valid epoch comes late in the run rather than early.

The constants were set with ``bench/race.py`` and ``bench/picks.py`` on a
2-core CPU with native bf16, so that there the probe picks what the races
found best at the machine's speed (character level, 130 s, two threads:
1 × 512 at lr 5e-3 without dropout reached 1.463 nats/char, 1 × 384 1.480,
1 × 256 1.512 and 2 × 256 1.637; one thread: 1 × 384 1.503, 1 × 512 1.521,
1 × 256 1.518; word level, 6 minutes
of Tiny Shakespeare words: a tied 1 × 256 with AWD-LSTM dropouts and SGD at
lr 20 on a cosine reached test perplexity 134.3, where AdamW at 3e-3 reached
207.6, a 1 × 512 162.0 and AR/TAR 138.4; showing words seen once as ``<unk>``
half of the time brought it to 90.2, and with that, 2 layers 90.5, 320 wide
90.1, BPTT 70 95.2, variable BPTT 91.8, lr 30 92.4). Shorter budgets, and
runs under torchrun, take the ``CHAR_LEVEL`` / ``WORD_LEVEL`` tables measured
there; their long-budget rows follow the recipes of the shipped models.
Every pick uses a schedule that ends exactly at the budget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lm.training.config import PRESETS

# --unknown-word-rate of the word-level pick; the studio trains word models with it too.
WORD_UNKNOWN_RATE = 0.5
MIN_PROBE_MINUTES = 1.0  # shorter budgets take the table: a probe would leave too few steps to time
PROBE_SHARE = 0.05  # the most of the budget the probe may take
TRAINING_SHARE = 0.75  # of the probe's tokens/s a run keeps, validation and bookkeeping paid (0.55-0.8 here)
# The fewest tokens per LSTM parameter a pick must see. Character level: where a shape ties with the next smaller
# one in a 130 s race (bench/picks.py on a 2-core CPU at three speeds: 1 x 512 beat 1 x 384 by 0.017 nats/char
# at 3.1 tokens per parameter and lost by 0.018 at 2.0; 1 x 384 beat 1 x 256 at 4 to 8), so that a pick flipping
# between two shapes from run to run costs little whichever it takes.
TOKENS_PER_PARAMETER = {"char": 2.5, "word": 4.0, "small-vocabulary": 8.0}
# The most LSTM parameters per training token: characters carry little each (char-rnn's advice: about as many
# parameters as characters; the shipped 2 x 512 has 3.3 per character), AWD-LSTM gives PTB's words ~20 each.
PARAMETERS_PER_CORPUS_TOKEN = {"char": 4.0, "word": 20.0, "small-vocabulary": 8.0}
# A word corpus whose whole vocabulary is this small (Human Numbers has 32 words) is closer to a character
# corpus than to an open-vocabulary one: AWD-LSTM's recipe (SGD at lr 20, heavy dropouts) is tuned for tens of
# thousands of words, and left Human Numbers at 0.83-0.84 valid accuracy after one minute on one thread, where
# a narrow tied embedding with AdamW and weight decay 0.1 (the human-numbers preset's recipe) reached 0.96.
SMALL_VOCABULARY = 256
MIN_STEPS_PER_EPOCH = 8  # a candidate whose batch x BPTT leaves fewer steps per pass does not fit the corpus
EPOCHS_FOR_THE_BUDGET = 10_000  # the budget, not the epoch count, ends the run

# (largest budget in minutes, settings): the first row whose budget covers the run wins.
CHAR_LEVEL: list[tuple[float, dict]] = [
    (5, dict(embedding_size=64, hidden_size=512, num_layers=1, dropout=0.0, batch_size=32, bptt=64,
             learning_rate=5e-3, weight_decay=0.01, schedule="cosine", warmup_steps=100, clip=1.0, eval_batch_size=64)),
    (30, dict(embedding_size=64, hidden_size=512, num_layers=1, dropout=0.1, batch_size=32, bptt=64,
              learning_rate=5e-3, weight_decay=0.01, schedule="cosine", warmup_steps=100, clip=1.0, eval_batch_size=64)),
    (float("inf"), dict(embedding_size=64, hidden_size=512, num_layers=2, dropout=0.3, batch_size=64, bptt=128,
                        learning_rate=2e-3, weight_decay=0.01, schedule="cosine", warmup_steps=100, clip=1.0)),
]
WORD_LEVEL: list[tuple[float, dict]] = [
    (float("inf"), dict(embedding_size=256, hidden_size=256, num_layers=1, tie_weights=True, dropout=0.3,
                        locked_dropout=True, input_dropout=0.3, embedding_dropout=0.05, weight_drop=0.2,
                        optimizer="nt-asgd", learning_rate=20.0, weight_decay=0.0, schedule="cosine",
                        warmup_steps=0, batch_size=20, bptt=35, clip=0.25, unknown_word_rate=WORD_UNKNOWN_RATE)),
]


def _char(num_layers: int, hidden_size: int, batch_size: int, bptt: int, learning_rate: float) -> dict:
    return dict(CHAR_LEVEL[0][1], num_layers=num_layers, hidden_size=hidden_size, batch_size=batch_size, bptt=bptt,
                learning_rate=learning_rate, warmup_steps=50 if hidden_size < 512 else 100)


def _small_vocabulary(num_layers: int, hidden_size: int) -> dict:
    """The human-numbers preset's recipe (tied through a projection to a 32-wide embedding, AdamW, weight decay
    0.1, dropout 0.1 on the output only, one mask per sequence) at another size."""
    recipe = {name: value for name, value in PRESETS["human-numbers"].items() if name not in ("corpus", "epochs")}
    return dict(recipe, num_layers=num_layers, hidden_size=hidden_size, locked_dropout=True, input_dropout=0.0,
                embedding_dropout=0.0, weight_drop=0.0, optimizer="adamw", clip=0.25, unknown_word_rate=0.0)


def _word(num_layers: int, hidden_size: int, batch_size: int) -> dict:  # tied: the embedding is as wide
    return dict(WORD_LEVEL[0][1], num_layers=num_layers, hidden_size=hidden_size, embedding_size=hidden_size,
                batch_size=batch_size)


# Smallest first; larger models take larger batches (a GPU needs them to be busy) and lower rates.
CANDIDATES: dict[str, list[dict]] = {
    "char": [_char(1, 256, 32, 64, 6e-3), _char(1, 384, 32, 64, 6e-3), _char(1, 512, 32, 64, 5e-3),
             _char(2, 512, 64, 128, 2e-3), _char(2, 1024, 128, 128, 2e-3), _char(3, 1024, 128, 128, 2e-3)],
    "word": [_word(1, 256, 20), _word(1, 384, 20), _word(1, 512, 20), _word(2, 512, 40), _word(2, 1024, 80),
             _word(3, 1024, 80)],
    "small-vocabulary": [_small_vocabulary(1, 128), _small_vocabulary(1, 256), _small_vocabulary(1, 512),
                         _small_vocabulary(2, 512)],
}
# (passes over the corpus, value) anchors, linear in log(passes) between them and flat beyond them. Character
# level: no dropout at the 10 passes of the 130 s race; the shipped 2 x 512 with dropout 0.3 over 31 passes had
# its best epoch at 26. Word level: the 6-minute race's row at 16 passes; the shipped model's 0.4 / 0.4 / 0.1 /
# 0.3 over 69 passes peaked at 31, so more from 64 on.
REGULARISATION: dict[str, dict[str, tuple[tuple[float, float], ...]]] = {
    "char": {"dropout": ((16, 0.0), (32, 0.2), (128, 0.35), (512, 0.5)),
             "weight_decay": ((16, 0.01), (128, 0.05), (512, 0.1))},
    "word": {"dropout": ((2, 0.1), (16, 0.3), (64, 0.45), (256, 0.5)),
             "input_dropout": ((2, 0.1), (16, 0.3), (64, 0.45), (256, 0.5)),
             "embedding_dropout": ((2, 0.0), (16, 0.05), (64, 0.1), (256, 0.1)),
             "weight_drop": ((2, 0.0), (16, 0.2), (64, 0.35), (256, 0.5))},
    # Measured at one point only (Human Numbers, 141 passes: best valid at pass 47, accuracy 0.96), so kept flat.
    "small-vocabulary": {"dropout": ((1, 0.1),), "weight_decay": ((1, 0.1),)},
}


def recipe_for(level: str, vocabulary_size: int) -> str:
    """Which candidates and rules a corpus gets: ``level`` itself, or
    "small-vocabulary" for a word corpus of at most ``SMALL_VOCABULARY`` tokens."""
    return "small-vocabulary" if level == "word" and vocabulary_size <= SMALL_VOCABULARY else level


@dataclass(frozen=True)
class Measurement:
    """One candidate as the probe timed it."""

    settings: dict  # the candidate's settings (shape, batch, BPTT, optimiser)
    tokens_per_second: float  # training tokens per second, from its fastest step


@dataclass(frozen=True)
class Outlook:
    """What a measured candidate gets through in the training time."""

    tokens: float  # training tokens
    epochs: float  # passes over the corpus
    tokens_per_parameter: float  # per LSTM parameter


@dataclass(frozen=True)
class Probe:
    """What the throughput probe measured, and what it cost."""

    recipe: str  # "char", "word" or "small-vocabulary" (recipe_for): the candidates and rules picked from
    device: str  # where it ran, as the run will
    precision: str  # "bf16" or "fp32", as the run will
    budget_seconds: float
    seconds: float  # the probe's own time, taken from the budget
    corpus_tokens: int  # training tokens in the corpus
    measurements: tuple[Measurement, ...]  # smallest candidate first

    @property
    def training_seconds(self) -> float:
        return self.budget_seconds - self.seconds

    def pick(self) -> dict:
        return pick_settings(self.recipe, list(self.measurements), self.training_seconds, self.corpus_tokens)

    def describe(self) -> str:
        """One line: the probe's cost and each candidate's figures."""
        figures = []
        for measurement in self.measurements:
            outlook = outlook_for(measurement, self.training_seconds, self.corpus_tokens)
            figures.append(f"{_shape(measurement.settings)} batch {measurement.settings['batch_size']} x "
                           f"{measurement.settings['bptt']} {measurement.tokens_per_second:,.0f} tokens/s, "
                           f"{outlook.tokens_per_parameter:.1f} tokens per parameter")
        left = len(CANDIDATES[self.recipe]) - len(self.measurements)
        return (f"probe: {self.seconds:.1f} s of the {self.budget_seconds:g} s budget on {self.device}, "
                f"{self.precision}: " + "; ".join(figures) + (f" ({left} other candidates not timed)" if left else ""))

    def expectation(self) -> str:
        """What the picked candidate is expected to get through."""
        outlook = outlook_for(choose(self.recipe, list(self.measurements), self.training_seconds, self.corpus_tokens),
                              self.training_seconds, self.corpus_tokens)
        return (f"{self.training_seconds:.0f} s of training: about {outlook.tokens / 1e6:.1f} M tokens, "
                f"{outlook.epochs:.1f} passes over the corpus, {outlook.tokens_per_parameter:.1f} per parameter")


def settings_for_budget(level: str, minutes: float) -> dict:
    """The table's model and optimiser settings for ``minutes`` of training at ``level``."""
    table = CHAR_LEVEL if level == "char" else WORD_LEVEL
    for limit, settings in table:
        if minutes <= limit:
            return dict(settings, epochs=EPOCHS_FOR_THE_BUDGET)
    raise AssertionError("the last row covers every budget")


def pick_settings(recipe: str, measurements: list[Measurement], training_seconds: float, corpus_tokens: int) -> dict:
    """The settings for a run of ``training_seconds`` on a corpus of
    ``corpus_tokens`` training tokens (``recipe``: see ``recipe_for``), given the candidates' measured
    throughput: the chosen candidate (``choose``) with its dropout and
    weight decay scaled to the passes over the corpus it will make."""
    chosen = choose(recipe, measurements, training_seconds, corpus_tokens)
    epochs = outlook_for(chosen, training_seconds, corpus_tokens).epochs
    scaled = {name: round(_interpolate(anchors, epochs), 2) for name, anchors in REGULARISATION[recipe].items()}
    return dict(chosen.settings, **scaled, epochs=EPOCHS_FOR_THE_BUDGET)


def choose(recipe: str, measurements: list[Measurement], training_seconds: float, corpus_tokens: int) -> Measurement:
    """The largest candidate that fits the corpus and still sees enough
    tokens per parameter; the smallest one when none does."""
    by_size = sorted(measurements, key=lambda measurement: recurrent_parameters(measurement.settings))
    if not by_size:
        raise ValueError("the probe timed no candidate, so nothing can be picked from it")
    enough = [measurement for measurement in by_size if fits_corpus(measurement.settings, recipe, corpus_tokens)
              and sees_enough(recipe, measurement, training_seconds, corpus_tokens)]
    return enough[-1] if enough else by_size[0]


def sees_enough(recipe: str, measurement: Measurement, training_seconds: float, corpus_tokens: int) -> bool:
    """Whether a candidate is fast enough for the budget: enough tokens per parameter."""
    outlook = outlook_for(measurement, training_seconds, corpus_tokens)
    return outlook.tokens_per_parameter >= TOKENS_PER_PARAMETER[recipe]


def outlook_for(measurement: Measurement, training_seconds: float, corpus_tokens: int) -> Outlook:
    tokens = measurement.tokens_per_second * training_seconds * TRAINING_SHARE
    return Outlook(tokens, tokens / corpus_tokens, tokens / recurrent_parameters(measurement.settings))


def fits_corpus(settings: dict, recipe: str, corpus_tokens: int) -> bool:
    """Whether a candidate is small enough for a corpus of ``corpus_tokens``:
    not too many parameters per token, and some steps per pass."""
    steps = corpus_tokens // (settings["batch_size"] * settings["bptt"])
    return (recurrent_parameters(settings) <= PARAMETERS_PER_CORPUS_TOKEN[recipe] * corpus_tokens
            and steps >= MIN_STEPS_PER_EPOCH)


def recurrent_parameters(settings: dict) -> int:
    """The LSTM's weights and biases (the embedding and output layer left out: they grow with the vocabulary)."""
    hidden = settings["hidden_size"]
    widths = [settings["embedding_size"]] + [hidden] * (settings["num_layers"] - 1)
    return sum(4 * hidden * (width + hidden) + 8 * hidden for width in widths)


def _interpolate(anchors: tuple[tuple[float, float], ...], epochs: float) -> float:
    """The anchors' value at ``epochs``, linear in log(epochs) between them."""
    if epochs <= anchors[0][0]:
        return anchors[0][1]
    for (low, low_value), (high, high_value) in zip(anchors, anchors[1:]):
        if epochs <= high:
            share = math.log(epochs / low) / math.log(high / low)
            return low_value + share * (high_value - low_value)
    return anchors[-1][1]


def _shape(settings: dict) -> str:
    return f"{settings['num_layers']} x {settings['hidden_size']}"


def describe(settings: dict) -> str:
    """One line saying what was picked."""
    shape = f"{_shape(settings)} LSTM, embedding {settings['embedding_size']}"
    if settings.get("tie_weights"):
        shape += " (tied)"
    regularisation = f"dropout {settings['dropout']:g}"
    if settings.get("locked_dropout"):
        regularisation = (f"locked dropout {settings['dropout']:g}, input dropout "
                          f"{settings.get('input_dropout', settings['dropout']):g}, embedding dropout "
                          f"{settings.get('embedding_dropout', 0):g}, weight drop {settings.get('weight_drop', 0):g}")
    if settings.get("weight_decay"):
        regularisation += f", weight decay {settings['weight_decay']:g}"
    if settings.get("unknown_word_rate"):
        regularisation += f"; words seen once shown as <unk> {settings['unknown_word_rate']:.0%} of the time"
    optimizer = "NT-ASGD" if settings.get("optimizer") == "nt-asgd" else "AdamW"
    return (f"{shape}; batch {settings['batch_size']} x {settings['bptt']} steps; {regularisation}; "
            f"{optimizer} lr {settings['learning_rate']:g} with {settings['schedule']} to the end of the budget")
