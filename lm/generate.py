"""Command line sampling:

    python -m lm.generate DIR --prompt TEXT --temperatures 0.5 0.8 1.0 --max-new-tokens N --seed S [--top-k K] [--top-p P] [--stream]

prints one sample per temperature, each under its label; ``--stream`` prints
the tokens of every column as they are drawn.
"""

from __future__ import annotations

import argparse
import sys

from lm.checkpoints import CheckpointError
from lm.hub import load
from lm.prompt import encode_prompt
from lm.sampling import DEFAULT_TEMPERATURES, SamplingSettings, generate, stream


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m lm.generate", description="Sample from a checkpoint at several temperatures.")
    parser.add_argument("checkpoint", help="checkpoint folder or Hub repo id")
    parser.add_argument("--prompt", default="", help="text to continue (empty: a fresh start)")
    parser.add_argument("--temperatures", type=float, nargs="+", default=list(DEFAULT_TEMPERATURES))
    parser.add_argument("--max-new-tokens", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top-k", type=int)
    parser.add_argument("--top-p", type=float)
    parser.add_argument("--stream", action="store_true", help="print tokens as they are drawn")
    args = parser.parse_args(argv)
    try:
        settings = SamplingSettings(args.temperatures, args.max_new_tokens, args.seed, args.top_k, args.top_p)
        model, tokenizer = load(args.checkpoint)
        prompt = encode_prompt(tokenizer, args.prompt)
        if prompt.unknown:
            print(f"note: not in the vocabulary: {prompt.unknown[:20]}", file=sys.stderr)
        if args.stream:
            for step in stream(model, tokenizer, prompt, settings):
                print(" | ".join(f"T={t:g}: {piece!r}" for t, piece in zip(args.temperatures, step.pieces)), flush=True)
            return
        result = generate(model, tokenizer, prompt, settings)
    except (ValueError, CheckpointError, OSError) as error:
        parser.exit(1, f"error: {error}\n")
    for sample in result.samples:
        ending = " [<eos>]" if sample.ended else ""
        masked = f" [{sample.unk_masked} <unk> masked]" if sample.unk_masked else ""
        print(f"=== temperature {sample.temperature:g}{ending}{masked} ===\n{sample.text}\n")


if __name__ == "__main__":
    main()
