"""Equal-time races: quality per minute of wall-clock training on this machine.

    python bench/race.py char [--minutes 2.17]   # Tiny Shakespeare by character, valid loss, against a GPT
    python bench/race.py char --baseline-only --iterations 2000  # the GPT alone, as nanoGPT's own run
    python bench/race.py word [--minutes 6] [--without-baselines]  # Tiny Shakespeare by word, test perplexity

``char`` runs the plain user command ``python train.py --corpus
tiny-shakespeare --text-file TS --max-minutes 2.17`` (the trainer picks its
own settings for the budget), then trains the baseline in the same run for
the same wall-clock time (the budget, or ours' training time from
``metrics.json`` where ours ran over it): a 0.8M-parameter GPT with nanoGPT's
Shakespeare-char CPU settings (``bench/gpt_baseline.py``), scored on the
same valid split. It prints both valid losses and their ratio, ours /
baseline; nothing is compared with a figure measured on another day or
machine. For our run the race prints the trainer's probe and pick lines, the epoch of
the best valid loss, and the share of the budget spent after it (from the
per-epoch elapsed times in ``metrics.json``): a large share means the pick
overfits or stalls and would want more regularisation or a larger model.

``word`` writes Tiny Shakespeare as a word corpus folder (``train.txt``,
``valid.txt``, ``test.txt``: 90 / 5 / 5 by position, cut at line breaks),
runs ``python train.py --text-file FOLDER --level word --max-minutes 6``, and
then, for the same wall-clock time in the same run, two baselines written
here as plain loops: seed 000's recipe (3 × 512 LSTM, embedding 512, dropout
0.65, Adam 1e-3 halved on a plateau, batch 128, BPTT 50, clip 0.25) and the
PyTorch word-language-model example's defaults (2 × 200 LSTM, SGD lr 20
divided by 4 when valid does not improve, BPTT 35, batch 20, dropout 0.2,
clip 0.25). All three are scored on the same test split with the same
vocabulary. Test words never seen in training are ``<unk>`` targets; the
perplexity over the other targets is printed beside the full one, so it is
plain how much of a difference comes from modelling unseen words. The text is
read in lines (``cased`` words, line breaks as tokens, ``<eos>`` ending a
speech), so the race's figure is the perplexity over word targets, line-break
and ``<eos>`` targets left out, for ours and the PyTorch example alike, and
their ratio (``--only-pytorch-example`` skips seed 000's recipe).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from gpt_baseline import describe, tiny_shakespeare_text, train_baseline  # noqa: E402
from lm.corpora import local_tiny_shakespeare  # noqa: E402
from lm.data import batchify, windows  # noqa: E402
from lm.hub import load  # noqa: E402
from lm.model import LSTMLanguageModel  # noqa: E402
from lm.scoring import DEFAULT_EVAL_BPTT, evaluate  # noqa: E402
from lm.tokenizer import EOS_ID, LINE_BREAK  # noqa: E402
from lm.training.config import config_from  # noqa: E402
from lm.training.run import prepare  # noqa: E402

def run_ours(arguments: list[str], out: Path, minutes: float) -> dict:
    """Run ``train.py``, print its probe and pick lines and when its best epoch came."""
    command = [sys.executable, "train.py", *arguments, "--max-minutes", str(minutes), "--out", str(out)]
    print("$ " + " ".join(command[1:]), flush=True)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"train.py failed:\n{result.stderr[-2000:]}")
    picked = [line for line in result.stdout.splitlines() if line.startswith(("probe:", "budget"))]
    print("\n".join(picked), flush=True)
    metrics = json.loads((out / "metrics.json").read_text())
    metrics["command_seconds"] = time.perf_counter() - started
    print(best_epoch_line(metrics, minutes), flush=True)
    return metrics


def best_epoch_line(metrics: dict, minutes: float) -> str:
    """When the best valid epoch came (``metrics.json``'s history has each
    epoch's elapsed training seconds) and how much of the budget went after it."""
    best = metrics["history"][metrics["best_epoch"] - 1]
    after = max(0.0, metrics["wall_seconds"] - best["elapsed"])  # wall_seconds is rounded to 0.1 s
    return (f"best valid at epoch {metrics['best_epoch']} of {metrics['epochs']}, {best['elapsed']:.0f} s into "
            f"training; {after:.0f} s after it = {after / (60 * minutes):.0%} of the {minutes:g}-minute budget")


def char_race(minutes: float) -> None:
    """Ours through ``train.py``, then the GPT for the same wall-clock time; both losses and their ratio."""
    text_file = local_tiny_shakespeare()
    if text_file is None:
        raise SystemExit("Tiny Shakespeare not found: set $TINY_SHAKESPEARE or place it at ../shared/data/tinyshakespeare.txt")
    with tempfile.TemporaryDirectory() as folder:
        metrics = run_ours(["--corpus", "tiny-shakespeare", "--text-file", str(text_file)], Path(folder) / "model",
                           minutes)
    ours = metrics["valid"]["loss"]
    print(f"ours: valid loss {ours:.4f} nats/char ({metrics['valid']['bits_per_char']:.3f} bits/char) after "
          f"{metrics['wall_seconds']:.0f} s of training ({metrics['tokens_seen']:,} characters seen, "
          f"{metrics['parameters']:,} parameters, {metrics['precision']})", flush=True)
    # The GPT trains as long as ours did (its budget, or longer where its last step ran over).
    gpt = train_baseline(tiny_shakespeare_text(), seconds=max(60 * minutes, metrics["wall_seconds"]))
    print(f"baseline GPT, the same {gpt['seconds']:.0f} s: {describe(gpt)}")
    print(f"ours / baseline: {ours:.4f} / {gpt['valid_loss']:.4f} = {ours / gpt['valid_loss']:.3f}")


def baseline_alone(iterations: int | None, minutes: float | None) -> None:
    """The GPT alone, for a number of iterations (nanoGPT's run: 2,000) or minutes."""
    gpt = train_baseline(tiny_shakespeare_text(), iterations, None if iterations else 60 * (minutes or 2.17))
    print(f"baseline GPT: {describe(gpt)}")


def write_word_folder(folder: Path) -> Path:
    text_file = local_tiny_shakespeare()
    if text_file is None:
        raise SystemExit("Tiny Shakespeare not found: set $TINY_SHAKESPEARE or place it at ../shared/data/tinyshakespeare.txt")
    lines = text_file.read_text(encoding="utf-8").split("\n")
    cuts = [int(len(lines) * 0.9), int(len(lines) * 0.95)]
    for name, part in zip(("train", "valid", "test"), (lines[: cuts[0]], lines[cuts[0] : cuts[1]], lines[cuts[1] :])):
        (folder / f"{name}.txt").write_text("\n".join(part) + "\n", encoding="utf-8")
    return folder


def baseline(name: str, ids: dict, vocab: int, minutes: float, model: LSTMLanguageModel, batch: int, bptt: int,
             make_step, after_epoch) -> dict:
    """Train ``model`` for ``minutes`` of wall-clock time the plain way,
    keep the best-valid weights, and score the test split."""
    torch.manual_seed(0)
    rows = batchify(ids["train"], batch)  # (B, N)
    budget = minutes * 60
    started = time.perf_counter()
    best, best_state, epoch, tokens = math.inf, None, 0, 0
    while time.perf_counter() - started < budget:
        epoch += 1
        model.train()
        state = None
        for _, inputs, targets in windows(rows, bptt):
            if state is not None:
                state = tuple(tensor.detach() for tensor in state)
            logits, state = model(inputs, state)  # (B, T, V)
            loss = F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1))
            make_step(loss)
            tokens += targets.numel()
            if time.perf_counter() - started >= budget:
                break
        valid = evaluate(model, ids["valid"], 10, DEFAULT_EVAL_BPTT)["loss"]
        if valid < best:
            best, best_state = valid, {key: value.clone() for key, value in model.state_dict().items()}
        after_epoch(valid)
    model.load_state_dict(best_state)
    test = evaluate(model, ids["test"], 10, DEFAULT_EVAL_BPTT)
    test["word_perplexity"] = word_perplexity(model, ids["test"], ids["skipped"])
    print(f"{name}: test perplexity {test['perplexity']:.2f}, {test['known_perplexity']:.2f} on the words it knows, "
          f"{test['word_perplexity']:.2f} over word targets (best valid loss {best:.4f}) after {epoch} epochs, "
          f"{tokens:,} tokens, {time.perf_counter() - started:.0f} s", flush=True)
    return test


def word_perplexity(model: LSTMLanguageModel, ids: torch.Tensor, skipped: list[int]) -> float:
    """Perplexity over the targets that are words: line-break and ``<eos>``
    targets (``skipped``) left out; 10 rows, state carried, as ``evaluate``."""
    model.eval()
    rows = batchify(ids, 10)  # (B, N)
    skipped_ids = torch.tensor(skipped, dtype=torch.long)
    total, count, state = 0.0, 0, None
    with torch.inference_mode():
        for _, inputs, targets in windows(rows, DEFAULT_EVAL_BPTT):
            logits, state = model(inputs, state)  # (B, T, V)
            flat_targets = targets.reshape(-1)  # (B * T,)
            losses = F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), flat_targets, reduction="none")
            kept = ~torch.isin(flat_targets, skipped_ids)  # (B * T,)
            total += float(losses[kept].sum())
            count += int(kept.sum())
    return math.exp(total / count)


def seed_000(ids: dict, vocab: int, minutes: float) -> dict:
    torch.manual_seed(0)
    model = LSTMLanguageModel(vocab, embedding_size=512, hidden_size=512, num_layers=3, dropout=0.65)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=0)

    def make_step(loss: torch.Tensor) -> None:
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        optimizer.step()

    return baseline("seed 000's recipe", ids, vocab, minutes, model, 128, 50, make_step, plateau.step)


def pytorch_example(ids: dict, vocab: int, minutes: float) -> dict:
    torch.manual_seed(0)
    model = LSTMLanguageModel(vocab, embedding_size=200, hidden_size=200, num_layers=2, dropout=0.2)
    learning_rate = [20.0]
    best = [math.inf]

    def make_step(loss: torch.Tensor) -> None:
        model.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        with torch.no_grad():
            for parameter in model.parameters():
                parameter.add_(parameter.grad, alpha=-learning_rate[0])

    def after_epoch(valid: float) -> None:
        if valid < best[0]:
            best[0] = valid
        else:
            learning_rate[0] /= 4.0

    return baseline("PyTorch example defaults", ids, vocab, minutes, model, 20, 35, make_step, after_epoch)


def word_race(minutes: float, baselines: bool = True, only_pytorch_example: bool = False) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = write_word_folder(Path(scratch))
        ours = run_ours(["--text-file", str(folder), "--level", "word"], Path(scratch) / "model", minutes)
        prepared = prepare(config_from(None, corpus=None, text_file=str(folder), level="word"))
        model, _ = load(Path(scratch) / "model")
    vocab, tokenizer = len(prepared.tokenizer), prepared.tokenizer
    assert vocab == ours["vocab_size"], "the baselines must use the same vocabulary"
    skipped = [EOS_ID] + ([tokenizer.index[LINE_BREAK]] if LINE_BREAK in tokenizer.index else [])
    ids = {**prepared.ids, "skipped": skipped}
    # Everyone is scored the same way: 10 rows, state carried, on the same test ids.
    ours_test = evaluate(model, prepared.ids["test"], 10, DEFAULT_EVAL_BPTT)
    print(f"ours: test perplexity {ours_test['perplexity']:.2f}, {ours_test['known_perplexity']:.2f} on the words it "
          f"knows ({ours_test['unknown_tokens']:,} of the {ours_test['tokens']:,} test targets are <unk>) after "
          f"{ours['wall_seconds']:.0f} s, "
          f"{ours['parameters']:,} parameters, {ours['precision']}", flush=True)
    ours_words = word_perplexity(model, prepared.ids["test"], skipped)
    print(f"ours: {ours_words:.2f} test perplexity over word targets (line-break and <eos> targets left out)")
    if not baselines:
        return
    example = pytorch_example(ids, vocab, minutes)
    ratio = ours_words / example["word_perplexity"]
    print(f"ours / PyTorch example, perplexity over word targets: {ours_words:.2f} / {example['word_perplexity']:.2f} "
          f"= {ratio:.3f} (target ≤ 0.6: {'met' if ratio <= 0.6 else 'not met'})", flush=True)
    if only_pytorch_example:
        return
    references = [seed_000(ids, vocab, minutes), example]
    better = min(references, key=lambda reference: reference["perplexity"])
    reduction = 1 - ours_test["perplexity"] / better["perplexity"]
    print(f"ours vs the better baseline: {ours_test['perplexity']:.2f} vs {better['perplexity']:.2f} test perplexity = "
          f"{100 * reduction:.1f} % lower (target ≥ 20 %: {'met' if reduction >= 0.2 else 'not met'}); on the words "
          f"both know: {ours_test['known_perplexity']:.2f} vs {better['known_perplexity']:.2f} = "
          f"{100 * (1 - ours_test['known_perplexity'] / better['known_perplexity']):.1f} % lower")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("race", choices=("char", "word"))
    parser.add_argument("--minutes", type=float, help="wall-clock budget (default 2.17 for char, 6 for word)")
    parser.add_argument("--only-pytorch-example", action="store_true",
                        help="word race: ours and the PyTorch example's defaults only (not seed 000's recipe)")
    parser.add_argument("--without-baselines", action="store_true",
                        help="word race: train and score ours only (the baselines take twice its time)")
    parser.add_argument("--baseline-only", action="store_true",
                        help="char race: train and score the GPT baseline only")
    parser.add_argument("--iterations", type=int,
                        help="with --baseline-only: train the GPT for this many iterations instead of --minutes")
    args = parser.parse_args()
    if args.baseline_only and args.race != "char":
        parser.error("--baseline-only is for the char race")
    if args.iterations is not None and not args.baseline_only:
        parser.error("--iterations goes with --baseline-only (a race is run for equal wall-clock time)")
    if args.race == "char" and args.baseline_only:
        baseline_alone(args.iterations, args.minutes)
    elif args.race == "char":
        char_race(args.minutes or 2.17)
    else:
        word_race(args.minutes or 6.0, baselines=not args.without_baselines,
                  only_pytorch_example=args.only_pytorch_example)


if __name__ == "__main__":
    main()
