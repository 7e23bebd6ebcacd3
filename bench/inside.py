"""The Inside view's cost: one sample streamed with the heatmap (the fp32
stepwise path with gate readings, the heatmap and shaded text rebuilt at every
update) against the same sample streamed by the Generate view on fp32 weights
without it (one column, its HTML rebuilt at every update). Both run through
the studio's own handlers end to end, everything they would send to the
browser built; alternated, median of the runs.

    python bench/inside.py [--repeats 5] [--tokens 500] [--units 16]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from studio.core import Studio  # noqa: E402
from studio.forms import SINGLE_SAMPLE  # noqa: E402
from studio.tabs.generate import Generate  # noqa: E402
from studio.tabs.inside import Inside  # noqa: E402

MODEL = "tiny-shakespeare"
PROMPT = "ROMEO:\n"


def drain(updates) -> tuple[float, int, int]:
    """Seconds to run a handler to its end, bytes of HTML it produced, updates."""
    started = time.perf_counter()
    sent, count = 0, 0
    for update in updates:
        count += 1
        sent += sum(len(part) for part in update if isinstance(part, str))
    return time.perf_counter() - started, sent, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=500)
    parser.add_argument("--units", type=int, default=16)
    args = parser.parse_args()
    studio = Studio.from_environment(REPOSITORY)
    generate, inside = Generate(studio), Inside(studio)
    studio.catalog.get(MODEL)

    def plain():
        return generate.view(MODEL, PROMPT, SINGLE_SAMPLE, 0.8, "", args.tokens, 0, 0, 1.0, False)

    def inspected():
        return inside.stream_view(MODEL, PROMPT, 0.8, args.tokens, 0, args.units, "start of a line", "cell", None)

    drain(plain()), drain(inspected())  # warm up
    results: dict[str, list[tuple[float, int, int]]] = {"plain": [], "inside": []}
    for _ in range(args.repeats):
        results["plain"].append(drain(plain()))
        results["inside"].append(drain(inspected()))
    for name, runs in results.items():
        seconds = statistics.median(run[0] for run in runs)
        print(f"{name:>6}: {seconds:.3f} s median of {args.repeats} ({', '.join(f'{run[0]:.3f}' for run in runs)}), "
              f"{runs[0][1] / 1e6:.2f} MB of HTML in {runs[0][2]} updates")
    ratio = statistics.median(r[0] for r in results["inside"]) / statistics.median(r[0] for r in results["plain"])
    print(f"streaming with the Inside panel / fp32 streaming without it = {ratio:.2f}x "
          f"(target <= 1.5x: {'met' if ratio <= 1.5 else 'not met'}); {args.tokens} tokens, {args.units} units")


if __name__ == "__main__":
    main()
