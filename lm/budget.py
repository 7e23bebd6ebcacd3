"""Settings picked from a time budget, for users who give only
``--max-minutes``: the tables behind ``lm.config.plan_run``.

The best model per minute depends on how many tokens the machine gets
through in that time: a small LSTM that sees the corpus many times beats a
large one that sees it once. The table below was measured with
``bench/race.py`` on a 2-core CPU with native bf16 (about 80,000 characters/s
for a 1 × 256 LSTM); faster machines move a given budget one row down. The
short-budget rows were tuned in 130 s / 6 min races (character level: 1 × 384
at lr 6e-3 reached 1.486 nats/char where 1 × 256 reached 1.507-1.543 and
2 × 256 1.637; word level, 6 minutes of Tiny Shakespeare words: a tied
1 × 256 with AWD-LSTM dropouts and SGD at lr 20 on a cosine reached test
perplexity 134.3, where AdamW at 3e-3 reached 207.6, a 1 × 512 162.0 and AR/TAR
138.4; showing words seen once as ``<unk>`` half of the time brought it to
90.2, 1.0 of the time to 90.6, and with that, 2 layers 90.5, 320 wide 90.1,
BPTT 70 95.2, variable BPTT 91.8, lr 30 92.4); the long-budget rows follow the
recipes of the shipped models. Every pick uses a schedule that ends exactly at the budget, and
validates 64 rows at a time so that validation takes little of it.
"""

from __future__ import annotations

# --unknown-word-rate of the word-level pick; the studio trains word models with it too.
WORD_UNKNOWN_RATE = 0.5

# (largest budget in minutes, settings): the first row whose budget covers the run wins.
CHAR_LEVEL: list[tuple[float, dict]] = [
    (5, dict(embedding_size=64, hidden_size=384, num_layers=1, dropout=0.0, batch_size=32, bptt=64,
             learning_rate=6e-3, weight_decay=0.01, schedule="cosine", warmup_steps=50, clip=1.0, eval_batch_size=64)),
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


def settings_for_budget(level: str, minutes: float) -> dict:
    """Model and optimiser settings for ``minutes`` of training at ``level``."""
    table = CHAR_LEVEL if level == "char" else WORD_LEVEL
    for limit, settings in table:
        if minutes <= limit:
            return dict(settings, epochs=10_000)  # the budget, not the epoch count, ends the run
    raise AssertionError("the last row covers every budget")


def describe(settings: dict) -> str:
    """One line saying what was picked."""
    shape = f"{settings['num_layers']} x {settings['hidden_size']} LSTM, embedding {settings['embedding_size']}"
    if settings.get("tie_weights"):
        shape += " (tied)"
    regularisation = f"dropout {settings['dropout']:g}"
    if settings.get("locked_dropout"):
        regularisation = (f"locked dropout {settings['dropout']:g}, embedding dropout "
                          f"{settings.get('embedding_dropout', 0):g}, weight drop {settings.get('weight_drop', 0):g}")
    if settings.get("unknown_word_rate"):
        regularisation += f"; words seen once shown as <unk> {settings['unknown_word_rate']:.0%} of the time"
    optimizer = "NT-ASGD" if settings.get("optimizer") == "nt-asgd" else "AdamW"
    return (f"{shape}; batch {settings['batch_size']} x {settings['bptt']} steps; {regularisation}; "
            f"{optimizer} lr {settings['learning_rate']:g} with {settings['schedule']} to the end of the budget")
