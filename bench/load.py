"""A classroom at once: concurrent users against the studio.

    python bench/load.py [--users 30] [--requests 10] [--with-training] [--classroom]
    python bench/load.py --soak 10 [--users 30] [--think 2]

Starts ``app.py`` on a loopback port, lets every user send its requests to
``/generate`` (4 temperatures × 100 tokens, the page's defaults) one after
another, and prints requests/s, p50/p95 latency, errors (a "queue full" reply
is counted apart: it is the deliberate answer to overload) and the server's
memory before and after. ``--with-training`` runs the same load twice, the
second time while the Train view trains a model, and prints both.
``--classroom`` mixes the traffic of a lesson: each user's requests cycle
through ``/generate``, ``/inspect`` (one column, 100 tokens, 16 units) and a
step-mode start with three clicks on ``/step``.

``--soak MINUTES`` keeps 30 users busy for that long with a lesson's mixed
traffic: streamed ``/generate`` on the shipped models (time to the first
streamed output measured), ``/score``, ``/step``, and ``/generate`` on five
extra trained models, more than the cache holds (``LM_MAX_LOADED_MODELS=2``),
so models are dropped and loaded again all along; meanwhile one model trains
in the Train view (started with the warm-up, for up to the Train view's 10
minutes). Each user waits ``--think`` seconds between requests (a student
reading); the first ``--warm-up`` minutes (default 5) of the same traffic,
the training run included, are not counted: they fill what is bounded (the
model cache, the 200 step sessions, Gradio's record of the last hundred
requests, the free space the allocator's arenas settle at, which an
in-process probe saw level off after 4 to 5 minutes) as a lesson's first
minutes would. It prints errors,
p95 latency per kind, p95 time to first output, and the server's memory
after warm-up and at the end (each read when the users pause, with the
same two extra models loaded last, after the app's next return of freed
memory), and every 30 s in between. In class each browser runs on its own
machine; here the soak's thirty users share the server's two cores, so
they are kept light: each is a page driven over raw HTTP as the browser
drives it (join the queue, read the server-sent events), all thirty in one
event loop (``Page``), at a lower priority than the server
(``CLIENT_NICENESS``). The soak prints the CPU both spent. (Thirty
``gradio_client`` users, a thread each polling every millisecond, spend
eight times the server's CPU per request: ``bench/step.py`` measures
both.)
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx
from gradio_client import Client

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lm.runtime import RETURN_FREED_MEMORY_SECONDS  # noqa: E402
from studio.settings import INT8_DEFAULT  # noqa: E402
from tests.support.studio_server import (OUTPUT_MESSAGES, endpoint_indexes, join_request,  # noqa: E402
                                         running_studio, server_sent_message)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


CLIENT_NICENESS = 10  # the simulated clients' niceness: below the server, which stays at 0


def clients_yield_to_the_server() -> None:
    """Lower this process's priority (threads and processes started from now
    on inherit it), once the server has been started at the usual one."""
    os.nice(CLIENT_NICENESS)


def resident_megabytes(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """CPU time a process has used so far (user + system, all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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


EXTRA_MODELS = [f"class-model-{index}" for index in range(5)]


def extra_models(folder: Path) -> Path:
    """Five small Human Numbers models (untrained weights are enough to load
    and sample) in a user models folder; returns the folder."""
    import torch

    import lm
    from lm.corpora import number_words
    from lm.model import LSTMLanguageModel
    from lm.tokenizer import Tokenizer

    tokenizer = Tokenizer.build([f"{number_words(number)} ." for number in range(1, 200)], "word")
    for index, name in enumerate(EXTRA_MODELS):
        torch.manual_seed(index)
        model = LSTMLanguageModel(len(tokenizer), embedding_size=64, hidden_size=256 + 64 * index, num_layers=2)
        lm.save(folder / name, model.eval(), tokenizer)
    return folder


class Page:
    """One student's open page, driving the studio over raw HTTP the way the
    browser does: join the queue with the endpoint's index, then read the
    request's server-sent events until it completes. The soak's thirty pages
    share one event loop; thirty ``gradio_client`` users (a thread each,
    polling every millisecond) spent eight times the server's CPU on the
    server's own cores, and delayed their own readings."""

    def __init__(self, url: str, endpoints: dict[str, int]):
        self.http = httpx.AsyncClient(base_url=url + "gradio_api/", timeout=120)
        self.endpoints = endpoints
        self.session = uuid.uuid4().hex

    async def call(self, api_name: str, *data) -> tuple[list, float]:
        """(the request's final output, seconds to its first output)."""
        started = time.perf_counter()
        joined = await self.http.post("queue/join", json=join_request(self.endpoints[api_name], list(data),
                                                                      self.session))
        joined.raise_for_status()
        event, first = joined.json()["event_id"], None
        async with self.http.stream("GET", "queue/data", params={"session_hash": self.session}) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                message = server_sent_message(line)
                if message is None or message.get("event_id") != event or message["msg"] not in OUTPUT_MESSAGES:
                    continue
                first = first if first is not None else time.perf_counter() - started
                if message["msg"] == "process_completed":
                    if not message.get("success", True):
                        raise RuntimeError(str(message["output"].get("error"))[:200])
                    return message["output"]["data"], first
        raise RuntimeError(f"the stream of /{api_name} ended before the request completed")


# Each kind of soak request answers (problem or None, seconds to its first output).

async def streamed_generate(page: Page, seed: int) -> tuple[str | None, float]:
    (texts,), first = await page.call("generate", "tiny-shakespeare", "ROMEO:\n", [0.5, 0.8, 1.0, 1.3], 100, seed,
                                      None, None, INT8_DEFAULT)
    return (None if len(texts) == 4 else "wrong shape"), first


async def score(page: Page, seed: int) -> tuple[str | None, float]:
    (result,), first = await page.call("score", "tiny-shakespeare-words", "to be or not to be , that is the question")
    return (None if result["perplexity"] > 1 else "no perplexity"), first


async def step_clicks(page: Page, seed: int) -> tuple[str | None, float]:
    """A step-mode start and three clicks on the first candidate."""
    (answer,), first = await page.call("step", None, "tiny-shakespeare", "ROMEO:\n", "start", None, 1.0, 10, seed)
    for _ in range(3):
        (answer,), _ = await page.call("step", answer["state"], "tiny-shakespeare", "", "pick",
                                       answer["candidates"][0]["token_id"], 1.0, 10, seed)
    return (None if len(answer["text"]) == len("ROMEO:\n") + 3 else "wrong text"), first


async def other_model(page: Page, seed: int) -> tuple[str | None, float]:
    (texts,), first = await page.call("generate", EXTRA_MODELS[seed % len(EXTRA_MODELS)], "one . two .", [1.0], 30,
                                      seed, None, None, INT8_DEFAULT)
    return (None if len(texts) == 1 else "wrong shape"), first


SOAK_KINDS = {"generate": streamed_generate, "score": score, "step": step_clicks, "other model": other_model}


async def soak_user(page: Page, user: int, deadline: float,
                    think: float) -> list[tuple[str, float, float | None, str | None]]:
    """(kind, seconds, seconds to first output, problem) of each request until ``deadline``."""
    outcomes, index = [], 0
    kinds = list(SOAK_KINDS)
    while time.monotonic() < deadline:
        kind = kinds[(user + index) % len(kinds)]
        started = time.perf_counter()
        first = None
        try:
            problem, first = await SOAK_KINDS[kind](page, user * 100_000 + index)
        except Exception as error:  # every failure is counted, not raised
            problem = f"{type(error).__name__}: {error}"[:200]
        outcomes.append((kind, time.perf_counter() - started, first, problem))
        index += 1
        await asyncio.sleep(think)
    return outcomes


async def memory_timeline(pid: int, deadline: float, every: float = 30.0) -> list[float]:
    """The server's resident memory every ``every`` seconds until ``deadline``."""
    figures = []
    while time.monotonic() < deadline:
        figures.append(resident_megabytes(pid))
        await asyncio.sleep(every)
    return figures


async def settled_megabytes(pid: int, page: Page) -> float:
    """The server's resident memory once the users pause, with the same two
    extra models in its cache (the last two asked for, in the same order)
    and read after the app's periodic return of freed memory has run: so
    that readings compare what the server keeps, not which of the extra
    models (3 to 13 MB of weights each) happened to be loaded or where a
    sawtooth stood."""
    for seed in range(2):
        await other_model(page, seed)
    await asyncio.sleep(RETURN_FREED_MEMORY_SECONDS + 2.0)
    return resident_megabytes(pid)


def percentile95(values: list[float]) -> float:
    values = sorted(values)
    return values[int(0.95 * (len(values) - 1))] if values else float("nan")


async def warm(url: str, endpoints: dict[str, int]) -> None:
    """Every kind and every model once."""
    page = Page(url, endpoints)
    for index, kind in enumerate([*SOAK_KINDS, *["other model"] * len(EXTRA_MODELS)]):
        problem, _ = await SOAK_KINDS[kind](page, index)
        if problem:
            raise RuntimeError(f"{kind} failed while warming up: {problem}")
    await page.http.aclose()


async def soak_traffic(url: str, endpoints: dict[str, int], pid: int, users: int, minutes: float, think: float,
                    warm_up: float) -> dict:
    """The warm-up, then the measured minutes: outcomes, memory readings and
    the CPU seconds the server and the simulated pages spent measuring."""
    pages = [Page(url, endpoints) for _ in range(users)]  # one page each, kept open
    deadline = time.monotonic() + 60 * warm_up  # the same traffic, not counted
    await asyncio.gather(*(soak_user(pages[user], user, deadline, think) for user in range(users)))
    warmed = await settled_megabytes(pid, pages[0])
    server_cpu, pages_cpu = cpu_seconds(pid), time.process_time()
    deadline = time.monotonic() + 60 * minutes
    timeline = asyncio.create_task(memory_timeline(pid, deadline))
    results = await asyncio.gather(*(soak_user(pages[user], user, deadline, think) for user in range(users)))
    server_cpu, pages_cpu = cpu_seconds(pid) - server_cpu, time.process_time() - pages_cpu
    end = await settled_megabytes(pid, pages[0])
    for page in pages:
        await page.http.aclose()
    return {"outcomes": [outcome for user in results for outcome in user], "warmed": warmed, "end": end,
            "timeline": await timeline, "server_cpu": server_cpu, "pages_cpu": pages_cpu}


def soak(users: int, minutes: float, think: float, warm_up: float) -> int:
    import tempfile

    with tempfile.TemporaryDirectory() as folder, running_studio(
            HF_HUB_OFFLINE="1", LM_USER_MODELS=str(extra_models(Path(folder))), LM_MAX_LOADED_MODELS="2") as (url, process):
        clients_yield_to_the_server()
        endpoints = endpoint_indexes(url)
        asyncio.run(warm(url, endpoints))
        playwright, browser = start_training(url, minutes=min(10.0, max(0.25, round(4 * (warm_up + minutes)) / 4)))
        with concurrent.futures.ThreadPoolExecutor(1) as thread:  # a loop of its own, beside the browser's
            figures = thread.submit(asyncio.run, soak_traffic(url, endpoints, process.pid, users, minutes,
                                                              think, warm_up)).result()
        browser.close()
        playwright.stop()
    outcomes = figures["outcomes"]
    errors = [problem for *_, problem in outcomes if problem]
    print(f"soak: {users} users × {minutes:g} min, {think:g} s between a user's requests, one model training; "
          f"{len(outcomes)} requests, {len(errors)} errors")
    for kind in SOAK_KINDS:
        seconds = [elapsed for name, elapsed, _, problem in outcomes if name == kind and not problem]
        print(f"  {kind:12s} {len(seconds):5d} ok · p50 {statistics.median(seconds) if seconds else float('nan'):.2f} s"
              f" · p95 {percentile95(seconds):.2f} s")
    firsts = [first for name, _, first, problem in outcomes if name == "generate" and first is not None and not problem]
    print(f"  time to first streamed output (/generate): p50 {statistics.median(firsts):.2f} s · "
          f"p95 {percentile95(firsts):.2f} s (goal under 1 s)")
    print(f"  CPU over the measured minutes: server {figures['server_cpu']:.0f} s, "
          f"the {users} simulated pages {figures['pages_cpu']:.0f} s")
    warmed, end = figures["warmed"], figures["end"]
    print(f"server memory: {warmed:.0f} MB after {warm_up:g} min of the same traffic, "
          f"{end:.0f} MB at the end ({100 * (end / warmed - 1):+.1f} %; goal within 10 %)")
    print("  memory every 30 s (MB): " + " ".join(f"{megabytes:.0f}" for megabytes in figures["timeline"]))
    for error in sorted(set(errors))[:5]:
        print(f"    error: {error}")
    return 1 if errors else 0


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
    parser.add_argument("--soak", type=float, metavar="MINUTES", help="mixed lesson traffic for this long (see above)")
    parser.add_argument("--think", type=float, default=2.0, help="seconds between a user's requests in the soak")
    parser.add_argument("--warm-up", type=float, default=5.0, help="minutes of the soak's traffic before measuring")
    args = parser.parse_args()
    if args.soak:
        sys.exit(soak(args.users, args.soak, args.think, args.warm_up))
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
