"""Does the word-level Shakespeare model write like its corpus? Passages,
line lengths and speaker lines of its samples beside the corpus's own, and
its bits per character beside another word model's on the same valid text.

    python bench/passages.py [--checkpoint checkpoints/tiny-shakespeare-words] [--baseline FOLDER]
                             [--prompt "ROMEO:"] [--samples 40] [--temperature 0.8] [--max-new-tokens 200]

Samples: ``lm.generate`` from the prompt with seeds 0 … samples - 1. A sample's
lines after the prompt's line are its passage; it "ends" when it draws
``<eos>`` before the token limit. Words per line are whitespace-separated
words, as for the corpus (a speech's lines after its speaker's line). A
speaker line is a line of at most four words ending in ``:``; it looks like
the corpus's when every letter is a capital (``KING RICHARD III:``) or its
words are capitalised (``First Citizen:``). Samples from the prompt end with
their speech, so speaker lines are also counted in samples from an empty
prompt (the model starts from ``<eos>``, a speech's end, and names the next
speaker first).

Bits per character: a model's mean loss per token over the valid split of
Tiny Shakespeare (read in its own format: documents with line breaks, or
``<eos>`` after every line) times the split's tokens, divided by the split's
characters and ln 2, so models with different tokens compare.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from lm.corpora import documents, load_corpus, local_tiny_shakespeare  # noqa: E402
from lm.hub import load  # noqa: E402
from lm.sampling import generate  # noqa: E402
from lm.scoring import DEFAULT_EVAL_BATCH_SIZE, DEFAULT_EVAL_BPTT, evaluate  # noqa: E402

SPEAKER = re.compile(r"^\S.{0,40}:$")
LOOKS_LIKE_A_SPEAKER = re.compile(r"^(?:[A-Z][A-Z']*|[A-Z][a-z']+|of|the)(?: (?:[A-Z][A-Z']*|[A-Z][a-z']+|of|the))*:$")


def is_speaker_line(line: str) -> bool:
    return bool(SPEAKER.match(line)) and len(line.split()) <= 4


def passage_figures(texts: list[list[str]], ended: list[bool]) -> dict:
    """``texts``: each passage's lines after its first (speaker or prompt) line."""
    lines = [line for passage in texts for line in passage if not is_speaker_line(line)]
    speakers = [line for passage in texts for line in passage if is_speaker_line(line)]
    return {
        "passages": len(texts),
        "two_or_more_lines": sum(len(passage) >= 2 for passage in texts) / len(texts),
        "three_or_more_lines": sum(len(passage) >= 3 for passage in texts) / len(texts),
        "words_per_line": sum(len(line.split()) for line in lines) / max(1, len(lines)),
        "ended": sum(ended),
        "speaker_lines": len(speakers),
        "speaker_lines_like_the_corpus": sum(bool(LOOKS_LIKE_A_SPEAKER.match(line)) for line in speakers),
    }


def corpus_figures(text: str) -> dict:
    speeches = documents(text)
    return passage_figures([speech.split("\n")[1:] for speech in speeches], [True] * len(speeches))


def sample_figures(model, tokenizer, prompt: str, samples: int, temperature: float,
                   max_new_tokens: int) -> tuple[dict, list[str]]:
    texts, ended, shown = [], [], []
    for seed in range(samples):
        sample = generate(model, tokenizer, prompt, temperatures=[temperature], seed=seed,
                          max_new_tokens=max_new_tokens).samples[0]
        lines = [line for line in sample.text.split("\n")[0 if not prompt else 1:] if line.strip()]
        texts.append(lines)
        ended.append(sample.ended)
        shown.append(sample.text)
    return passage_figures(texts, ended), shown


def bits_per_character(model, tokenizer, corpus) -> dict:
    ids = corpus.encode("valid", tokenizer)
    figures = evaluate(model, ids, DEFAULT_EVAL_BATCH_SIZE, DEFAULT_EVAL_BPTT)
    characters = sum(len(document) for document in corpus.splits["valid"])
    return {"bits_per_character": figures["loss"] * len(ids) / characters / math.log(2), "tokens": len(ids),
            "characters": characters, "loss": figures["loss"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkpoint", default=str(REPO / "checkpoints" / "tiny-shakespeare-words"))
    parser.add_argument("--baseline", help="another word model to compare bits per character with")
    parser.add_argument("--prompt", default="ROMEO:")
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--max-new-tokens", type=int, default=200)
    parser.add_argument("--show", type=int, default=2, help="samples to print in full")
    args = parser.parse_args()
    text_file = local_tiny_shakespeare()
    if text_file is None:
        raise SystemExit("Tiny Shakespeare not found: set $TINY_SHAKESPEARE or place it at ../shared/data/tinyshakespeare.txt")
    corpus = corpus_figures(text_file.read_text(encoding="utf-8"))
    model, tokenizer = load(args.checkpoint)
    figures, shown = sample_figures(model, tokenizer, args.prompt, args.samples, args.temperature, args.max_new_tokens)
    print(f"corpus: {corpus['passages']:,} speeches; {corpus['two_or_more_lines']:.0%} with two or more lines after "
          f"the speaker's, {corpus['three_or_more_lines']:.0%} three or more; {corpus['words_per_line']:.2f} words per line")
    print(f"samples from {args.prompt!r} at T = {args.temperature:g} (seeds 0-{args.samples - 1}, "
          f"{args.max_new_tokens} tokens allowed): {figures['two_or_more_lines']:.0%} with two or more lines after the "
          f"prompt's ({100 * (figures['two_or_more_lines'] - corpus['two_or_more_lines']):+.0f} points), "
          f"{figures['three_or_more_lines']:.0%} three or more; {figures['ended']} of {args.samples} end at <eos>; "
          f"{figures['words_per_line']:.2f} words per line ({figures['words_per_line'] / corpus['words_per_line']:.2f} × "
          f"the corpus's); speaker lines {figures['speaker_lines_like_the_corpus']} of {figures['speaker_lines']} "
          "written as the corpus writes them")
    for text in shown[: args.show]:
        print("---\n" + text)
    fresh, fresh_shown = sample_figures(model, tokenizer, "", args.samples, args.temperature, args.max_new_tokens)
    print(f"samples from an empty prompt: speaker lines {fresh['speaker_lines_like_the_corpus']} of "
          f"{fresh['speaker_lines']} written as the corpus writes them; {fresh['ended']} of {args.samples} end at <eos>")
    for text in fresh_shown[: args.show]:
        print("---\n" + text)
    valid_corpus = load_corpus("tiny-shakespeare", str(text_file), "word")  # read once, encoded in each model's format
    for name, folder in (("checkpoint", args.checkpoint), ("baseline", args.baseline)):
        if folder:
            result = bits_per_character(*((model, tokenizer) if folder == args.checkpoint else load(folder)),
                                        valid_corpus)
            print(f"{name} {folder}: {result['bits_per_character']:.4f} bits per character on the valid split "
                  f"({result['loss']:.4f} nats/token × {result['tokens']:,} tokens / {result['characters']:,} characters)")


if __name__ == "__main__":
    main()
