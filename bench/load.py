"""A classroom at once: concurrent ``gradio_client`` users against the studio.

    python bench/load.py [--users 30] [--requests 10] [--with-training] [--classroom]

Starts ``app.py`` on a loopback port, lets every user send its requests to
``/generate`` (4 temperatures × 100 tokens, the page's defaults) one after
another, and prints requests/s, p50/p95 latency, errors (a "queue full" reply
is counted apart: it is the deliberate answer to overload) and the server's
memory before and after. ``--with-training`` runs the same load twice, the
second time while the Train view trains a model, and prints both.
``--classroom`` mixes the traffic of a lesson: each user's requests cycle
through ``/generate``, ``/inspect`` (one column, 100 tokens, 16 units) and a
step-mode start with three clicks on ``/step``.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import statistics
import sys
import time
from pathlib import Path

from gradio_client import Client

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from studio_server import running_studio  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def resident_megabytes(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def generate(client: Client, seed: int) -> str | None:
    texts = client.predict(model="tiny-shakespeare", prompt="ROMEO:\n", temperatures=[0.5, 0.8, 1.0, 1.3],
                           max_new_tokens=100, seed=seed, top_k=None, top_p=None, api_name="/generate")
    return None if len(texts) == 4 else "wrong shape"


def inspect(client: Client, seed: int) -> str | None:
    result = client.predict(model="tiny-shakespeare", prompt="ROMEO:\n", temperature=0.8, max_new_tokens=100,
                            seed=seed, units=16, api_name="/inspect")
    return None if len(result["signals"]["cell"]) == len(result["pieces"]) else "wrong shape"


def step(client: Client, seed: int) -> str | None:
    answer = client.predict(model="tiny-shakespeare", prompt="ROMEO:\n", action="start", seed=seed, api_name="/step")
    for _ in range(3):
        answer = client.predict(state=answer["state"], action="pick", value=answer["candidates"][0]["token_id"],
                                api_name="/step")
    return None if len(answer["text"]) == len("ROMEO:\n") + 3 else "wrong text"


def one_user(url: str, user: int, requests: int, kinds=(generate,)) -> list[tuple[float, str | None]]:
    client = Client(url, verbose=False)
    outcomes = []
    for index in range(requests):
        started = time.perf_counter()
        try:
            problem = kinds[(user + index) % len(kinds)](client, user * 1000 + index)
            outcomes.append((time.perf_counter() - started, problem))
        except Exception as error:  # every failure is counted, not raised
            outcomes.append((time.perf_counter() - started, str(error)[:200]))
    return outcomes


def run_load(url: str, users: int, requests: int, kinds=(generate,)) -> dict:
    started = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(users) as pool:
        results = list(pool.map(lambda user: one_user(url, user, requests, kinds), range(users)))
    wall = time.perf_counter() - started
    outcomes = [outcome for user in results for outcome in user]
    latencies = sorted(seconds for seconds, error in outcomes if error is None)
    queue_full = [error for _, error in outcomes if error and ("Queue is full" in error or "503" in error)]
    errors = [error for _, error in outcomes if error and error not in queue_full]
    return {
        "requests": len(outcomes),
        "ok": len(latencies),
        "requests_per_second": len(latencies) / wall,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
        "queue_full": len(queue_full),
        "errors": errors,
        "wall": wall,
    }


def start_training(url: str, minutes: float):
    """Start a training job through the page's Train view, as a teacher would."""
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url)
    page.get_by_role("tab", name="Train").click()
    page.get_by_label("Save as").fill("load-test-model")
    page.get_by_label("Time budget (minutes)").last.fill(str(minutes))
    page.get_by_role("button", name="Train", exact=True).click()
    page.get_by_text("epoch").first.wait_for(timeout=120_000)
    return playwright, browser


def report(label: str, figures: dict) -> None:
    print(f"{label}: {figures['ok']}/{figures['requests']} ok in {figures['wall']:.1f} s · "
          f"{figures['requests_per_second']:.2f} req/s · p50 {figures['p50']:.2f} s · p95 {figures['p95']:.2f} s · "
          f"queue full {figures['queue_full']} · errors {len(figures['errors'])}", flush=True)
    for error in sorted(set(figures["errors"]))[:5]:
        print(f"    error: {error}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--requests", type=int, default=10, help="requests per user")
    parser.add_argument("--with-training", action="store_true", help="measure again while a model trains")
    parser.add_argument("--classroom", action="store_true", help="mix /generate, /inspect and /step traffic")
    args = parser.parse_args()
    kinds = (generate, inspect, step) if args.classroom else (generate,)
    with running_studio(HF_HUB_OFFLINE="1") as (url, process):
        Client(url, verbose=False).predict(model="tiny-shakespeare", prompt="", temperatures=[1.0], max_new_tokens=5,
                                           api_name="/generate")  # warm: int8 copy made, caches filled
        before = resident_megabytes(process.pid)
        idle = run_load(url, args.users, args.requests, kinds)
        after = resident_megabytes(process.pid)
        print(f"{args.users} users × {args.requests} requests: " + (
            "/generate (4 temperatures × 100 tokens), /inspect and /step in turn" if args.classroom
            else "/generate, 4 temperatures × 100 tokens"))
        report("load", idle)
        print(f"server memory: {before:.0f} MB before, {after:.0f} MB after ({100 * (after / before - 1):+.1f} %)")
        if args.with_training:
            playwright, browser = start_training(url, minutes=10)
            busy = run_load(url, args.users, args.requests, kinds)
            report("load while training", busy)
            print(f"p95 while training ÷ p95 idle: {busy['p95'] / idle['p95']:.2f}")
            browser.close()
            playwright.stop()
    sys.exit(1 if idle["errors"] else 0)


if __name__ == "__main__":
    main()
