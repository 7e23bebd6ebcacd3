"""``python -m lm.evaluate DIR [--corpus NAME] [--text-file PATH] [--level char|word] [--split valid|test]``
prints one JSON object of figures from ``lm.evaluation.evaluate``. The text is
encoded with the checkpoint's own vocabulary, and the batch rows and window
length recorded in its ``metrics.json`` are reused so the recorded figures are
reproduced.

Nothing in ``lm`` imports this module, so ``python -m`` runs it fresh.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from lm.checkpoints import read_metrics
from lm.corpora import CORPORA, CorpusUnavailable, load_corpus
from lm.evaluation import DEFAULT_EVAL_BATCH_SIZE, DEFAULT_EVAL_BPTT, evaluate
from lm.hub import load


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m lm.evaluate",
                                     description="Scoring a token stream: loss, perplexity, next-token accuracy.")
    parser.add_argument("checkpoint", help="checkpoint folder or Hub repo id")
    parser.add_argument("--corpus", help="corpus name (default: the one the checkpoint was trained on)")
    parser.add_argument("--text-file", help="local copy of the corpus, or plain text / a folder of train/valid/test.txt")
    parser.add_argument("--level", choices=["char", "word"])
    parser.add_argument("--split", choices=["valid", "test"], default="valid")
    parser.add_argument("--max-tokens", type=int, help="score only the first N tokens of the split")
    args = parser.parse_args(argv)
    try:
        print(json.dumps(run(parser, args)))
    except (ValueError, OSError, CorpusUnavailable) as error:  # a bad folder, corpus or file: one line, no traceback
        parser.exit(1, f"error: {error}\n")


def run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict:
    model, tokenizer = load(args.checkpoint)
    metrics = read_metrics(args.checkpoint) if Path(args.checkpoint).is_dir() else {}
    recorded = metrics.get("corpus")
    # A named corpus keeps its own split even when read from a local copy.
    corpus_name = args.corpus or (recorded if recorded in CORPORA else None)
    if corpus_name is None and args.text_file is None:
        parser.error("the checkpoint does not record a named corpus: pass --corpus or --text-file")
    if args.max_tokens is not None and args.max_tokens < 1:
        raise ValueError(f"--max-tokens must be at least 1, got {args.max_tokens}")
    corpus = load_corpus(corpus_name, args.text_file, args.level or tokenizer.level,
                         blank_lines=tokenizer.rule == "whitespace")
    ids = tokenizer.encode_lines(corpus.splits[args.split], corpus.eos_after_each)
    settings = metrics.get("evaluation", {})
    return evaluate(model, ids, batch_size=settings.get("batch_size", DEFAULT_EVAL_BATCH_SIZE),
                    bptt=settings.get("bptt", DEFAULT_EVAL_BPTT), max_tokens=args.max_tokens)


if __name__ == "__main__":
    main()
