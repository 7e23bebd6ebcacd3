"""Train an LSTM language model from the command line.

    python train.py --corpus NAME [--text-file PATH] [--preset NAME] [--max-minutes M] [--epochs N] --out DIR

Every setting of ``lm.training.config.TrainConfig`` is a flag; a preset fills in the
settings of one reference system and explicit flags override it. Which
settings a run gets is decided by ``lm.training.planning.plan_run``; this script parses
the flags, prints one line per epoch and shows a progress bar on a terminal.
"""

from __future__ import annotations

import argparse
import math
import os
import shlex
import signal
import sys
import threading
from dataclasses import fields

from tqdm import tqdm

from lm.corpora import CorpusUnavailable
from lm.training import TrainEvent, TrainingDiverged, TrainingInterrupted, train
from lm.training.config import PRESETS, TrainConfig
from lm.training.planning import plan_run
from lm.training.run import prepare

INTERRUPTED_EXIT = 130
CLI_ONLY = ("out", "preset", "push_to_hub", "private", "resume")
PROGRESS_UNITS = 1000  # the bar counts thousandths of the run


def _flag_type(annotation: str):
    base = annotation.replace(" | None", "")
    return {"int": int, "float": float, "str": str, "bool": None}[base]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, help="checkpoint folder to write")
    parser.add_argument("--preset", choices=sorted(PRESETS), help="settings of a reference system")
    parser.add_argument("--push-to-hub", metavar="USER/REPO", help="publish the checkpoint to this Hub repo when done")
    parser.add_argument("--private", action="store_true", help="with --push-to-hub: create the repo as private")
    parser.add_argument("--resume", action="store_true",
                        help="continue the run that Ctrl-C or SIGTERM interrupted in --out, with its settings")
    for item in fields(TrainConfig):
        flag = "--" + item.name.replace("_", "-")
        help_text = f"{item.metadata['help']} (default: {item.default})"
        kind = _flag_type(item.type)
        if kind is None:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=None, help=help_text)
        else:
            parser.add_argument(flag, type=kind, default=None, choices=item.metadata.get("choices"), help=help_text)
    return parser


class ConsoleReport:
    """One line per epoch and one at the end on stdout; while an epoch runs,
    a progress bar on stderr when it is a terminal (none in a log file)."""

    def __init__(self) -> None:
        self.bar: tqdm | None = None

    def __call__(self, event: TrainEvent) -> None:
        if event.kind == "step":
            self.show_progress(event)
        elif event.kind == "epoch":
            tqdm.write(epoch_line(event), file=sys.stdout)  # above the bar
            sys.stdout.flush()
        elif event.kind == "done":
            self.close()
            print(done_line(event.metrics), flush=True)

    def show_progress(self, event: TrainEvent) -> None:
        if self.bar is None:
            self.bar = tqdm(total=PROGRESS_UNITS, disable=None, leave=False, dynamic_ncols=True,
                            bar_format="{percentage:5.1f}% |{bar:30}| {desc} | ETA {remaining}")
        self.bar.set_description_str(f"epoch {event.epoch} loss {event.train_loss:.3f} "
                                     f"{event.tokens_per_second:,.0f} tok/s", refresh=False)
        self.bar.update(round(event.fraction * PROGRESS_UNITS) - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def epoch_line(event: TrainEvent) -> str:
    valid = event.metrics
    extra = f" bits/char {valid['bits_per_char']:.3f}" if "bits_per_char" in valid else ""
    return (f"epoch {event.epoch:3d} | train loss {event.train_loss:.4f} ppl {_exp(event.train_loss):.2f} | "
            f"valid loss {valid['loss']:.4f} ppl {valid['perplexity']:.2f} acc {valid['accuracy']:.4f}{extra} | "
            f"lr {event.learning_rate:.2e} | {event.elapsed / 60:.1f} min{' *' if event.improved else ''}")


def done_line(metrics: dict) -> str:
    valid, test = metrics["valid"], metrics["test"]
    return (f"best epoch {metrics['best_epoch']}: valid loss {valid['loss']:.4f} "
            f"(ppl {valid['perplexity']:.2f}, acc {valid['accuracy']:.4f}), "
            f"test loss {test['loss']:.4f} (ppl {test['perplexity']:.2f}, acc {test['accuracy']:.4f})")


def _exp(value: float) -> float:
    return math.exp(min(value, 700))


def pause_on_signals() -> threading.Event:
    """An event that Ctrl-C or SIGTERM sets; a second signal ends the process at once."""
    pause = threading.Event()

    def on_signal(number, frame) -> None:
        pause.set()
        signal.signal(number, signal.SIG_DFL)
        sys.stderr.write(f"\n{signal.Signals(number).name}: saving a resumable state after this step…\n")

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, on_signal)
    return pause


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = {name: value for name, value in vars(args).items() if value is not None and name not in CLI_ONLY}
    command = shlex.join(["python", "train.py", *(sys.argv[1:] if argv is None else argv)])
    try:
        plan = plan_run(settings, args.preset, args.out if args.resume else None)
    except ValueError as error:
        parser.error(str(error))
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")  # read when a Hub corpus first loads
    pause = pause_on_signals()
    main_process = os.environ.get("RANK", "0") == "0"  # under torchrun only rank 0 talks
    say = print if main_process else (lambda *args, **kwargs: None)
    action = "resuming" if args.resume else "training"
    config = plan.config
    say(f"{action} {config.corpus or config.text_file} -> {args.out} (preset {plan.preset or 'none'})", flush=True)
    for line in plan.said:
        say(line, flush=True)
    report = ConsoleReport()
    try:
        prepared = prepare(config) if config.init_from and not args.resume else None
        if prepared is not None:
            total = prepared.ids["train"].numel()
            say(f"{prepared.unknown_tokens:,} of {total:,} training tokens are not in {config.init_from}'s vocabulary "
                f"and become <unk>", flush=True)
        train(config, args.out, report, plan.command or command, prepared=prepared, should_pause=pause.is_set,
              resume=args.resume)
    except TrainingInterrupted as interrupted:
        report.close()
        parser.exit(INTERRUPTED_EXIT, f"{interrupted}\nresume with: python train.py --resume --out {shlex.quote(args.out)}\n")
    except (ValueError, CorpusUnavailable, OSError, TrainingDiverged) as error:
        report.close()
        parser.exit(1, f"error: {error}\n")
    say(f"saved {args.out}", flush=True)
    if args.push_to_hub and main_process:
        publish(parser, args.out, args.push_to_hub, args.private)


def publish(parser: argparse.ArgumentParser, out: str, repo_id: str, private: bool) -> None:
    from lm.hub.publishing import push

    try:
        url = push(out, repo_id, private=private)
    except Exception as error:  # authentication, permissions, network: the checkpoint stays saved
        parser.exit(1, f"error: publishing to {repo_id} failed ({type(error).__name__}: {error}); "
                       f"the checkpoint is saved in {out}; retry with python -m lm push {out} {repo_id}\n")
    print(f"published {out} -> {url}", flush=True)


if __name__ == "__main__":
    main()
