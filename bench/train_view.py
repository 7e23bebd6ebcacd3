"""The Train view's default run, as a class gets it: Human Numbers, the
automatic size, a one-minute budget, trained the way the studio trains (a
child process with the studio's thread cap, the size probed and picked
inside it). Prints the pick and the run's valid loss and accuracy, next to
the fixed "tiny" size on the same budget (the Train view's default before
the automatic size), each measured in this run.

    python bench/train_view.py [--minutes 1] [--threads N] [--without-tiny]

Target: valid accuracy >= 0.85 with the automatic size.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from studio.forms import train_request  # noqa: E402
from studio.settings import AUTOMATIC, TRAIN_PRESETS, Settings  # noqa: E402
from studio.training.jobs import Job  # noqa: E402


def run(preset: str, minutes: float, threads: int, folder: Path) -> dict:
    """Train one Train-view run to its end; its metrics.json."""
    settings = Settings.from_environment(REPOSITORY)
    name = "bench-automatic" if preset == AUTOMATIC else "bench-fixed"
    request = train_request("Human Numbers", None, "word", preset, minutes, name, settings)
    job = Job(request.config, folder / request.name, request.command, request.sample_prompt, plan=request.plan)
    job.launch(threads, lambda finished: None)
    for _ in job.watch():
        pass
    if job.picked:
        print(f"  {job.picked}", flush=True)
    return json.loads((folder / request.name / "metrics.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=Settings.from_environment(REPOSITORY).train_threads,
                        help="the training process's threads (default: the studio's LM_TRAIN_THREADS)")
    parser.add_argument("--without-tiny", action="store_true", help="skip the fixed tiny size")
    args = parser.parse_args()
    presets = [AUTOMATIC] + ([] if args.without_tiny else [next(iter(TRAIN_PRESETS))])  # tiny
    with tempfile.TemporaryDirectory() as folder:
        for preset in presets:
            print(f"Human Numbers, size {preset}, {args.minutes:g} min, {args.threads} thread(s):", flush=True)
            metrics = run(preset, args.minutes, args.threads, Path(folder))
            valid = metrics["valid"]
            print(f"  valid loss {valid['loss']:.3f}, valid accuracy {valid['accuracy']:.3f} after "
                  f"{metrics['epochs']} epochs (best {metrics['best_epoch']}), {metrics['wall_seconds']:.0f} s"
                  + (f" (target accuracy >= 0.85: {'met' if valid['accuracy'] >= 0.85 else 'not met'})"
                     if preset == AUTOMATIC else ""), flush=True)


if __name__ == "__main__":
    main()
