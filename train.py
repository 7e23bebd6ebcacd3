"""Train an LSTM language model from the command line.

    python train.py --corpus NAME [--text-file PATH] [--preset NAME] [--max-minutes M] [--epochs N] --out DIR

Every setting of ``lm.training.TrainConfig`` is a flag; a preset fills in the
settings of one reference system and explicit flags override it.
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

from lm.budget import describe, settings_for_budget
from lm.corpora import default_level
from lm.runtime import pick_device
from lm.training import (
    PRESETS,
    TrainConfig,
    TrainEvent,
    TrainingDiverged,
    TrainingInterrupted,
    config_from,
    resume_config,
    train,
    use_bf16,
)

INTERRUPTED_EXIT = 130


CLI_ONLY = ("out", "preset", "push_to_hub", "private", "resume")


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
    """Progress bar while an epoch runs; one summary line per epoch."""

    def __call__(self, event: TrainEvent) -> None:
        if event.kind == "step":
            width = 30
            filled = int(width * event.fraction)
            remaining = event.elapsed / max(event.fraction, 1e-9) - event.elapsed
            sys.stderr.write(
                f"\r[{'#' * filled}{'.' * (width - filled)}] {100 * event.fraction:5.1f}% epoch {event.epoch} "
                f"loss {event.train_loss:.3f} {event.tokens_per_second:,.0f} tok/s ETA {remaining / 60:.1f} min "
            )
            sys.stderr.flush()
        elif event.kind == "epoch":
            sys.stderr.write("\r" + " " * 100 + "\r")
            valid = event.metrics
            extra = f" bits/char {valid['bits_per_char']:.3f}" if "bits_per_char" in valid else ""
            print(
                f"epoch {event.epoch:3d} | train loss {event.train_loss:.4f} ppl {_exp(event.train_loss):.2f} | "
                f"valid loss {valid['loss']:.4f} ppl {valid['perplexity']:.2f} acc {valid['accuracy']:.4f}{extra} | "
                f"lr {event.learning_rate:.2e} | {event.elapsed / 60:.1f} min{' *' if event.improved else ''}",
                flush=True,
            )
        elif event.kind == "done":
            metrics = event.metrics
            print(
                f"best epoch {metrics['best_epoch']}: valid loss {metrics['valid']['loss']:.4f} "
                f"(ppl {metrics['valid']['perplexity']:.2f}, acc {metrics['valid']['accuracy']:.4f}), "
                f"test loss {metrics['test']['loss']:.4f} (ppl {metrics['test']['perplexity']:.2f}, "
                f"acc {metrics['test']['accuracy']:.4f})",
                flush=True,
            )


def _exp(value: float) -> float:
    return math.exp(min(value, 700))


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    explicit = {name: value for name, value in vars(args).items() if value is not None and name not in CLI_ONLY}
    if args.preset is None and "corpus" not in explicit and "text_file" in explicit:
        explicit["corpus"] = None
    # Given a time budget and no preset, the trainer picks settings for the budget;
    # otherwise a named corpus brings its own preset.
    budget_pick = args.preset is None and "max_minutes" in explicit and not args.resume
    if args.preset is None and explicit.get("corpus") in PRESETS and not budget_pick:
        args.preset = explicit["corpus"]
    picked = ""
    command = shlex.join(["python", "train.py", *(sys.argv[1:] if argv is None else argv)])
    try:
        if args.resume:
            if explicit or args.preset:
                parser.error("--resume takes only --out (and --push-to-hub): the run continues with its own settings")
            config, command = resume_config(args.out)
        elif budget_pick:
            level = explicit.get("level") or default_level(explicit.get("corpus"))
            chosen = settings_for_budget(level, explicit["max_minutes"])
            config = config_from(None, **{**chosen, **explicit})
            overridden = sorted(set(chosen) & set(explicit))
            picked = (f"budget {explicit['max_minutes']:g} min, {level} level: picked {describe(chosen)}"
                      + (f" (your {', '.join('--' + name.replace('_', '-') for name in overridden)} kept)" if overridden else ""))
        else:
            config = config_from(args.preset, **explicit)
    except ValueError as error:
        parser.error(str(error))
    import datasets

    datasets.disable_progress_bars()
    pause = threading.Event()

    def on_signal(number, frame) -> None:
        pause.set()
        signal.signal(number, signal.SIG_DFL)  # a second signal ends the process at once
        sys.stderr.write(f"\n{signal.Signals(number).name}: saving a resumable state after this step…\n")

    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, on_signal)
    main_process = os.environ.get("RANK", "0") == "0"  # under torchrun only rank 0 talks
    say = print if main_process else (lambda *args, **kwargs: None)
    action = "resuming" if args.resume else "training"
    say(f"{action} {config.corpus or config.text_file} -> {args.out} (preset {args.preset or 'none'})", flush=True)
    if picked:
        say(picked + f"; {'bf16' if use_bf16(config.precision, pick_device(config.device)) else 'fp32'} matrix products",
            flush=True)
    from lm.corpora import CorpusUnavailable

    try:
        train(config, args.out, ConsoleReport(), command, should_pause=pause.is_set, resume=args.resume)
    except TrainingInterrupted as interrupted:
        sys.stderr.write("\n")
        parser.exit(INTERRUPTED_EXIT, f"{interrupted}\nresume with: python train.py --resume --out {shlex.quote(args.out)}\n")
    except (ValueError, CorpusUnavailable, OSError, TrainingDiverged) as error:
        sys.stderr.write("\n")
        parser.exit(1, f"error: {error}\n")
    say(f"saved {args.out}", flush=True)
    if args.push_to_hub and main_process:
        from lm.push import push

        try:
            url = push(args.out, args.push_to_hub, private=args.private)
        except Exception as error:  # authentication, permissions, network: the checkpoint stays saved
            parser.exit(1, f"error: publishing to {args.push_to_hub} failed ({type(error).__name__}: {error}); "
                           f"the checkpoint is saved in {args.out}; retry with python -m lm.push {args.out} {args.push_to_hub}\n")
        print(f"published {args.out} -> {url}", flush=True)


if __name__ == "__main__":
    main()
