"""The One step view's cost: the server's work per explained step (the
step's numbers from the walked sample, ``lm.lesson.one_step.explain_step``,
plus the sample text and the pipeline's HTML, as the tab's Previous / Next
and a clicked token get them, through the tab's own handler), for every
shipped model; and, with ``--page``, how long the page takes to answer a
click on a token of the sample (the click to the new step drawn, in
headless Chromium against a studio on a loopback port).

    python bench/one_step.py [--tokens 200] [--steps 100] [--page]

Each model: one sample of ``--tokens`` tokens after its first example
prompt written 12 times (T = 0.8, the first seed from 0 whose sample is at
least half as long, else the last tried), then ``--steps`` steps walked forwards and
backwards (a step back re-reads the tokens since the last kept state);
median and worst of the steps, and the bytes sent per step. Target: under
20 ms per step on the shipped models, a click answered within 150 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY))

from studio.core import Studio  # noqa: E402
from studio.settings import SHIPPED_MODELS  # noqa: E402
from studio.tabs.one_step import Explainer, ExplainRun  # noqa: E402
from studio.tabs.sampler import StepSessions  # noqa: E402


def server_steps(explainer: Explainer, model: str, tokens: int, steps: int) -> tuple[list[float], int, int]:
    """Seconds per explained step, bytes of HTML per step, tokens in the sample (the first seed whose sample
    is at least half ``tokens`` long)."""
    prompt = explainer.studio.first_example(model) * 12  # some 100 tokens to walk back into
    for seed in range(20):
        _, _, run, position = explainer.view(model, prompt, 0.8, tokens, seed)
        if len(run.trace) - run.trace.prompt_length >= tokens // 2:
            break
    length = len(run.trace)
    walk = random.Random(0)
    seconds, sent = [], 0
    for _ in range(steps):
        position = max(1, min(length - 1, position + walk.choice((-1, 1, 1))))
        started = time.perf_counter()
        text, pipeline, run, _ = explainer.moved_view(ExplainRun(model, run.trace, run.position), position)
        seconds.append(time.perf_counter() - started)
        sent += len(text) + len(pipeline)
        run.position = position
    return seconds, sent // steps, length


def page_clicks(clicks: int) -> list[float]:
    """Seconds from a click on a token of the One step sample to its step drawn, in the browser."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS, open_tab, settle
    from tests.support.studio_server import running_studio

    seconds = []
    with running_studio() as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(url)
        open_tab(page, "One step")
        page.get_by_role("button", name="Write and explain", exact=True).click()
        page.locator("#lm-explain .lm-explain").wait_for(timeout=60_000)
        settle(page, 0.5)
        for click in range(clicks):
            position = 10 + (click * 7) % 50
            # Timed in the page: from the click's dispatch to the new step's draw line written.
            page.evaluate(f"() => {{ window.lmClicked = performance.now(); "
                          f"document.querySelector(\"#lm-explain-text [data-position='{position}']\").click(); }}")
            answered = page.wait_for_function(
                f"() => document.querySelector('#lm-explain .lm-explain')?.dataset.drawn === '{position}' && "
                f"performance.now() - window.lmClicked",
                polling="raf")
            seconds.append(answered.json_value() / 1000)
        browser.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--page", action="store_true", help="also time clicks on the page (starts a studio)")
    parser.add_argument("--clicks", type=int, default=20)
    args = parser.parse_args()
    explainer = Explainer(Studio.from_environment(REPOSITORY), StepSessions())
    for model in SHIPPED_MODELS:
        server_steps(explainer, model, args.tokens, 5)  # warm up
        seconds, sent, length = server_steps(explainer, model, args.tokens, args.steps)
        print(f"{model:24s} {length:4d} tokens: {1000 * statistics.median(seconds):6.1f} ms per step "
              f"(worst {1000 * max(seconds):.1f} ms), {sent / 1000:.0f} kB sent per step")
    if args.page:
        seconds = page_clicks(args.clicks)
        print(f"page: a click on a token answered in {1000 * statistics.median(seconds):.0f} ms "
              f"(worst {1000 * max(seconds):.0f} ms, {len(seconds)} clicks)")


if __name__ == "__main__":
    main()
