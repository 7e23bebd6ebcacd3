"""Step mode's latency ("you are the sampler"), three ways:

1. server compute per step on the shipped models (the studio's int8 engine):
   the next token's top-10 candidates at T = 0.8 and at T = 1, then one
   token appended (a click), or one drawn, p50 / p95 over many steps;
2. the round trip of one ``/step`` call through ``gradio_client`` with one
   user;
3. the same with 30 users clicking at once (each clicks again as soon as
   the answer arrives: a stress test) and at a reading pace (``--pause``
   seconds between a user's clicks), both again while the Train view trains
   a model; then 500 browser-less sessions started and left idle,
   to show that the server's memory stays bounded (the session store keeps
   at most ``LM_STEP_SESSIONS``, default 200).

    python bench/step.py [--steps 300] [--users 30] [--clicks 20] [--pause 1] [--without-training]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from gradio_client import Client

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from load import cpu_seconds, resident_megabytes, start_training  # noqa: E402
from lm.hub import load  # noqa: E402
from lm.quantize import quantize_int8  # noqa: E402
from lm.lesson.stepping import StepSampler  # noqa: E402
from tests.support.studio_server import running_studio  # noqa: E402

PROMPTS = {"tiny-shakespeare": "ROMEO:\n", "human-numbers": "one . two ."}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))]


def compute_per_step(name: str, steps: int) -> list[float]:
    """Milliseconds per step: candidates, then a click or a draw."""
    model, tokenizer = load(REPOSITORY / "checkpoints" / name)
    sampler = StepSampler(quantize_int8(model), tokenizer, PROMPTS[name])
    times = []
    for index in range(steps):
        started = time.perf_counter()
        choices = sampler.choices(0.8, 10)
        if index % 2:
            sampler.draw(0.8)
        else:
            sampler.append(choices.candidates[0].token_id)
        times.append(1000 * (time.perf_counter() - started))
        if sampler.ended or len(sampler.appended) > 900:
            sampler.undo()
    return times


def clicking_user(client: Client, clicks: int, pause: float = 0.0) -> list[float]:
    """Seconds per ``/step`` round trip for one user who starts and clicks,
    ``pause`` seconds after each answer (reading the candidates; not counted)."""
    answer = client.predict(model="tiny-shakespeare", prompt="ROMEO:\n", action="start", temperature=0.8, k=10,
                            api_name="/step")
    times = []
    for index in range(clicks):
        started = time.perf_counter()
        action = dict(action="draw") if index % 2 else dict(action="pick", value=answer["candidates"][0]["token_id"])
        answer = client.predict(state=answer["state"], temperature=0.8, k=10, **action, api_name="/step")
        times.append(time.perf_counter() - started)
        time.sleep(pause)
    return times


def classroom(clients: list[Client], clicks: int, pause: float = 0.0) -> list[float]:
    """Every client's round trips, all clicking at the same time (each has its page open already)."""
    with concurrent.futures.ThreadPoolExecutor(len(clients)) as pool:
        return [seconds for user in pool.map(lambda client: clicking_user(client, clicks, pause), clients)
                for seconds in user]


def say(label: str, seconds: list[float], target_ms: float) -> None:
    p95 = 1000 * percentile(seconds, 0.95)
    print(f"{label}: p50 {1000 * statistics.median(seconds):.0f} ms, p95 {p95:.0f} ms over {len(seconds)} calls "
          f"(target p95 < {target_ms:.0f} ms: {'met' if p95 < target_ms else 'not met'})", flush=True)


def measured_round(label: str, server_pid: int, round_trips: Callable[[], list[float]]) -> None:
    """One round of calls, said with the CPU time per call that the server
    and the simulated users (this process) spent on it: on one machine the
    users' clients take cores the server would otherwise have."""
    server_before, users_before = cpu_seconds(server_pid), time.process_time()
    seconds = round_trips()
    server, users = cpu_seconds(server_pid) - server_before, time.process_time() - users_before
    say(label, seconds, 300)
    print(f"  CPU per call: server {1000 * server / len(seconds):.1f} ms, the users' clients "
          f"{1000 * users / len(seconds):.1f} ms", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--clicks", type=int, default=20, help="/step calls per user")
    parser.add_argument("--pause", type=float, default=1.0,
                        help="seconds a user reads the candidates before the next click, in the paced rounds")
    parser.add_argument("--without-training", action="store_true", help="skip the runs with a model training")
    args = parser.parse_args()
    for name in PROMPTS:
        times = compute_per_step(name, args.steps)
        print(f"server compute per step, {name} (int8): p50 {statistics.median(times):.2f} ms, "
              f"p95 {percentile(times, 0.95):.2f} ms (target p95 < 10 ms: "
              f"{'met' if percentile(times, 0.95) < 10 else 'not met'})", flush=True)
    with running_studio(HF_HUB_OFFLINE="1") as (url, process):
        clients = [Client(url, verbose=False) for _ in range(args.users)]  # one open page per user
        clicking_user(clients[0], 5)  # warm
        say("round trip, 1 user", clicking_user(clients[0], 100), 150)
        paced = f"{args.users} users, each clicking {args.pause:g} s after the last answer"
        measured_round(f"round trip, {args.users} users at once, no pause", process.pid,
                       lambda: classroom(clients, args.clicks))
        measured_round(f"round trip, {paced}", process.pid, lambda: classroom(clients, args.clicks, args.pause))
        if not args.without_training:
            playwright, browser = start_training(url, minutes=10)
            measured_round(f"round trip, {args.users} users at once, no pause, while a model trains", process.pid,
                           lambda: classroom(clients, args.clicks))
            measured_round(f"round trip, {paced}, while a model trains", process.pid,
                           lambda: classroom(clients, args.clicks, args.pause))
            browser.close()
            playwright.stop()
        before = resident_megabytes(process.pid)
        for _ in range(500):
            clients[0].predict(model="tiny-shakespeare", prompt="ROMEO:\n", action="start", api_name="/step")
        after = resident_megabytes(process.pid)
        print(f"500 sessions started and left idle: server memory {before:.0f} MB -> {after:.0f} MB "
              f"({after - before:+.0f} MB; the store keeps at most 200)")


if __name__ == "__main__":
    main()
