"""One training run in a process of its own, as the studio starts it:

    python -m studio.training.worker < request.json

The request (one JSON object on stdin: ``config``, ``out``, ``command``,
``sample_prompt``, ``threads``, and ``plan`` when the trainer picks the size:
then the config comes from ``lm.training.planning.plan_run`` here, probing this
process's own speed) is read first; the run's events go to stdout, one JSON
line each (``{"picked": line}`` when it picked, ``{"event": {...}}``, then
``{"done": metrics}`` or ``{"error": message}``). A line ``stop`` on stdin, or stdin closing (the
studio went away), ends the run early the normal way: validate, save, test.

The process caps its threads before torch starts them, offers itself to
the kernel as the first to kill when memory runs out, so a run that outgrows
the machine ends itself, never the studio, and lowers its own scheduling
priority, so that while it trains the studio's requests get the CPU first.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from dataclasses import asdict


def _first_to_kill() -> None:
    try:
        with open("/proc/self/oom_score_adj", "w") as adjustment:  # Linux; raising it needs no privilege
            adjustment.write("1000")
    except OSError:
        pass


TRAINING_NICENESS = 10  # added to the process's niceness: the kernel runs the studio's threads first


def _yield_to_the_studio() -> None:
    try:
        os.nice(TRAINING_NICENESS)  # Unix; lowering one's own priority needs no privilege
    except (AttributeError, OSError):
        pass


def _listen_for_stop(stop: threading.Event) -> None:
    for line in sys.stdin:
        if line.strip() == "stop":
            break
    stop.set()  # asked to, or the studio is gone


def main() -> int:
    argparse.ArgumentParser(prog="python -m studio.training.worker < request.json",
                            description="One training run as the studio starts it: the request is one JSON line on "
                                        "stdin; events go to stdout, one JSON line each.").parse_args()
    request = json.loads(sys.stdin.readline())
    threads = str(request.get("threads") or 1)
    os.environ.update(OMP_NUM_THREADS=threads, MKL_NUM_THREADS=threads)
    _first_to_kill()
    _yield_to_the_studio()
    import torch

    from lm.training import train
    from lm.training.config import TrainConfig
    from lm.training.planning import plan_run

    torch.set_num_threads(int(threads))
    output = sys.stdout
    sys.stdout = sys.stderr  # nothing but events reaches the studio's pipe

    def send(message: dict) -> None:
        output.write(json.dumps(message) + "\n")
        output.flush()

    stop = threading.Event()
    threading.Thread(target=_listen_for_stop, args=(stop,), daemon=True).start()
    try:
        config = TrainConfig(**request["config"])
        if request.get("plan"):
            plan = plan_run(request["plan"])
            config = plan.config
            send({"picked": " · ".join(plan.said)})
        metrics = train(config, request["out"], lambda event: send({"event": asdict(event)}),
                        request["command"], should_stop=stop.is_set, sample_prompt=request.get("sample_prompt"))
    except Exception as error:  # reported to the studio, which shows it to the student
        send({"error": f"{type(error).__name__}: {error}" if not isinstance(error, (ValueError, OSError)) else str(error)})
        return 1
    send({"done": metrics})
    return 0


if __name__ == "__main__":
    sys.exit(main())
