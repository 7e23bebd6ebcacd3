"""Which shape wins a character-level budget on this machine, at its speed:
the evidence behind ``lm.training.budget``'s tokens-per-parameter rule.

    python bench/picks.py [--minutes 2.17] [--threads 1] [--slower]

Runs the plain budget command ``python train.py --corpus tiny-shakespeare
--text-file TS --max-minutes 2.17`` once per candidate shape of the pick
(1 x 256, 1 x 384, 1 x 512, each with its own learning rate), so each trains
for the same budget after the same probe. Each run's probe line is printed
as it ends (the tokens per parameter it expects of each shape timed, from
which the rule picks; the pick line names the shape given); then a table
per shape: tokens/s, the training tokens per LSTM parameter it saw, and its
valid loss. A pick holds when it is the winning shape or within 0.02
nats/char of it.

``--threads N`` runs the trainings with N threads (``OMP_NUM_THREADS``).
``--slower`` stands in for a slower processor: every training runs on one
thread pinned to core 0, which it shares with a busy process of niceness
``BUSY_NICENESS`` (the trainer gets about three quarters of the core).
Run nothing else meanwhile: the figures are speeds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from race import REPO, run_ours  # noqa: E402

sys.path.insert(0, str(REPO))
from lm.corpora import local_tiny_shakespeare  # noqa: E402
from lm.training.budget import CANDIDATES, recurrent_parameters  # noqa: E402

SHAPES = CANDIDATES["char"][:3]  # 1 x 256, 1 x 384, 1 x 512: what a 2-core machine can train in minutes
BUSY_NICENESS = 5


def busy_core() -> subprocess.Popen:
    """Pin this process (and so its children) to core 0 and start a busy loop beside them there."""
    os.sched_setaffinity(0, {0})
    return subprocess.Popen([sys.executable, "-c", f"import os; os.nice({BUSY_NICENESS})\nwhile True: pass"])


def race_shape(text_file: Path, settings: dict, minutes: float) -> dict:
    """One budget run with ``settings``' shape and learning rate given."""
    arguments = ["--corpus", "tiny-shakespeare", "--text-file", str(text_file),
                 "--num-layers", str(settings["num_layers"]), "--hidden-size", str(settings["hidden_size"]),
                 "--learning-rate", str(settings["learning_rate"])]
    with tempfile.TemporaryDirectory() as folder:
        metrics = run_ours(arguments, Path(folder) / "model", minutes)
    parameters = recurrent_parameters(settings)
    return {"shape": f"{settings['num_layers']} x {settings['hidden_size']}", "valid": metrics["valid"]["loss"],
            "tokens_per_second": metrics["tokens_seen"] / metrics["wall_seconds"],
            "tokens_per_parameter": metrics["tokens_seen"] / parameters}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=2.17)
    parser.add_argument("--threads", type=int, help="OMP_NUM_THREADS for the trainings (default: all cores)")
    parser.add_argument("--slower", action="store_true", help="one thread on a core shared with a busy process")
    args = parser.parse_args()
    text_file = local_tiny_shakespeare()
    if text_file is None:
        raise SystemExit("Tiny Shakespeare not found: set $TINY_SHAKESPEARE or place it at "
                         "../shared/data/tinyshakespeare.txt")
    if args.threads or args.slower:
        os.environ["OMP_NUM_THREADS"] = str(1 if args.slower else args.threads)
    busy = busy_core() if args.slower else None
    try:
        rows = [race_shape(text_file, settings, args.minutes) for settings in SHAPES]
    finally:
        if busy is not None:
            busy.kill()
    best = min(rows, key=lambda row: row["valid"])
    print("\n| shape | tokens/s | tokens per LSTM parameter | valid loss | behind the best |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['shape']} | {row['tokens_per_second']:,.0f} | {row['tokens_per_parameter']:.1f} | "
              f"{row['valid']:.4f} | {row['valid'] - best['valid']:+.4f} |")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
