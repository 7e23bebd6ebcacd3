"""The library's command line, ``python -m lm COMMAND``:

    python -m lm generate DIR --prompt TEXT --temperatures 0.5 0.8 1.0 [--max-new-tokens N] [--seed S]
                                [--top-k K] [--top-p P] [--stream]
    python -m lm evaluate DIR [--corpus NAME] [--text-file PATH] [--level char|word] [--split valid|test]
    python -m lm push DIR user/repo [--private]
    python -m lm novelty DIR [--text-file PATH]

``generate`` prints one sample per temperature, each under its label
(``--stream``: the tokens of every column as they are drawn); ``evaluate``
prints one JSON object of figures from ``lm.scoring.evaluate``, with the text
encoded by the checkpoint's own vocabulary and the batch rows and window
length its ``metrics.json`` records, so the recorded figures are reproduced;
``push`` publishes a checkpoint folder with a generated model card;
``novelty`` adds the training text's n-gram index to a checkpoint. A bad
value ends a command with one line, ``error: ...``, and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lm.checkpoints import CheckpointError, read_metrics
from lm.corpora import CORPORA, CorpusUnavailable, load_corpus
from lm.hub import load, push
from lm.lesson.novelty import NGRAM_LENGTH, NgramIndex, false_positive_rate
from lm.prompt import encode_prompt
from lm.sampling import DEFAULT_TEMPERATURES, SamplingSettings, generate, stream
from lm.scoring import DEFAULT_EVAL_BATCH_SIZE, DEFAULT_EVAL_BPTT, evaluate


def generate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", help="checkpoint folder or Hub repo id")
    parser.add_argument("--prompt", default="", help="text to continue (empty: a fresh start)")
    parser.add_argument("--temperatures", type=float, nargs="+", default=list(DEFAULT_TEMPERATURES))
    parser.add_argument("--max-new-tokens", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top-k", type=int)
    parser.add_argument("--top-p", type=float)
    parser.add_argument("--stream", action="store_true", help="print tokens as they are drawn")


def run_generate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
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


def evaluate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", help="checkpoint folder or Hub repo id")
    parser.add_argument("--corpus", help="corpus name (default: the one the checkpoint was trained on)")
    parser.add_argument("--text-file", help="local copy of the corpus, or plain text / a folder of train/valid/test.txt")
    parser.add_argument("--level", choices=["char", "word"])
    parser.add_argument("--split", choices=["valid", "test"], default="valid")
    parser.add_argument("--max-tokens", type=int, help="score only the first N tokens of the split")


def run_evaluate(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    try:
        print(json.dumps(evaluation_figures(parser, args)))
    except (ValueError, OSError, CorpusUnavailable) as error:  # a bad folder, corpus or file: one line, no traceback
        parser.exit(1, f"error: {error}\n")


def evaluation_figures(parser: argparse.ArgumentParser, args: argparse.Namespace) -> dict:
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
    ids = corpus.encode(args.split, tokenizer)
    settings = metrics.get("evaluation", {})
    return evaluate(model, ids, batch_size=settings.get("batch_size", DEFAULT_EVAL_BATCH_SIZE),
                    bptt=settings.get("bptt", DEFAULT_EVAL_BPTT), max_tokens=args.max_tokens)


def push_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", help="checkpoint folder (config.json, model.safetensors, vocab.json, metrics.json)")
    parser.add_argument("repo_id", help="user/repo on the Hub")
    parser.add_argument("--private", action="store_true", help="create the repo as private")


def run_push(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    try:
        url = push(args.folder, args.repo_id, args.private)
    except (CheckpointError, OSError) as error:
        parser.exit(1, f"error: {error}\n")
    except Exception as error:  # the Hub's own errors: authentication, permissions, network
        parser.exit(1, f"error: publishing to {args.repo_id} failed: {type(error).__name__}: {error}\n")
    print(f"published {args.folder} -> {url}", file=sys.stdout)


def novelty_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", help="checkpoint folder")
    parser.add_argument("--text-file", help="local copy of the checkpoint's training corpus")


def run_novelty(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    try:
        _, tokenizer = load(args.checkpoint)
        metrics = read_metrics(args.checkpoint)
        name = metrics.get("corpus") if metrics.get("corpus") in CORPORA else None
        corpus = load_corpus(name, args.text_file, tokenizer.level, blank_lines=tokenizer.rule == "whitespace")
    except (ValueError, OSError, RuntimeError) as error:
        parser.exit(1, f"error: {error}\n")
    ids = corpus.encode("train", tokenizer)
    index = NgramIndex.build(ids, NGRAM_LENGTH[tokenizer.level])
    path = index.save(args.checkpoint)
    alphabet = list(range(2, len(tokenizer)))
    print(json.dumps({"index": str(path), "bytes": path.stat().st_size, "ngrams": index.ngrams,
                      "false_positive_rate": false_positive_rate(index, ids, alphabet)}))


COMMANDS = {  # name: (what it does, its arguments, what it runs)
    "generate": ("Sample from a checkpoint at several temperatures.", generate_arguments, run_generate),
    "evaluate": ("Score a corpus split: loss, perplexity, next-token accuracy.", evaluate_arguments, run_evaluate),
    "push": ("Publish a checkpoint folder to the Hugging Face Hub.", push_arguments, run_push),
    "novelty": ("Add a training index to a checkpoint (copied or new?).", novelty_arguments, run_novelty),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m lm", description="LSTM language models from the command line.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (summary, add_arguments, run) in COMMANDS.items():
        command = commands.add_parser(name, help=summary, description=summary)
        add_arguments(command)
        command.set_defaults(run=run, command_parser=command)
    args = parser.parse_args(argv)
    args.run(args.command_parser, args)


if __name__ == "__main__":
    main()
