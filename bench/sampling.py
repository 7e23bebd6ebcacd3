"""Sampling speed: the side-by-side grid (5 temperatures × 100 new tokens) on a
model of seed 000's size (vocabulary 14,174, embedding 512, 3 × 512 LSTM,
random weights), measured in one run:

1. our engine (``lm.generate``), fp32 and int8 weights;
2. the reference notebooks' way: the whole prefix re-fed every step with the
   state carried, one temperature after another, ``<unk>`` redrawn;
3. the floor: weight bytes per step ÷ measured memory bandwidth, and FLOPs per
   step ÷ measured batch-5 matrix-multiply rate;
4. time to the first streamed token, tokens/s, and the ratios.

With ``--checkpoints`` it also measures the quality cost of int8: perplexity
of each shipped checkpoint on a slice of its valid split, fp32 against int8.

    python bench/sampling.py [--repeats 3] [--checkpoints]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lm.model import LSTMLanguageModel  # noqa: E402
from lm.quantize import quantize_int8  # noqa: E402
from lm.sampling import generate, stream  # noqa: E402
from lm.tokenizer import EOS, UNK, UNK_ID, Tokenizer  # noqa: E402

TEMPERATURES = [0.5, 0.8, 1.0, 1.3, 1.6]
NEW_TOKENS = 100
PROMPT = "w1 w2 w3 w4 w5"


def timed(function, repeats: int) -> float:
    """Median seconds of ``repeats`` calls after one warm-up call."""
    function()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


@torch.inference_mode()
def reference_grid(model: LSTMLanguageModel, tokenizer: Tokenizer, seed: int = 0) -> list[list[int]]:
    """Seeds 000/002: per temperature, per step, feed the whole prefix again
    while also carrying the state; redraw while the draw is <unk>."""
    generator = torch.Generator().manual_seed(seed)
    outputs = []
    for temperature in TEMPERATURES:
        ids = tokenizer.encode(PROMPT)
        state = None
        for _ in range(NEW_TOKENS):
            logits, state = model(torch.tensor([ids]), state)
            probabilities = torch.softmax(logits[0, -1] / temperature, dim=-1)
            drawn = torch.multinomial(probabilities, 1, generator=generator).item()
            while drawn == UNK_ID:
                drawn = torch.multinomial(probabilities, 1, generator=generator).item()
            ids.append(drawn)
        outputs.append(ids)
    return outputs


def memory_bandwidth() -> float:
    """Bytes/s of a large copy (read + write counted)."""
    source = torch.empty(64 * 1024 * 1024, dtype=torch.float32).fill_(1.0)
    target = torch.empty_like(source)
    seconds = timed(lambda: target.copy_(source), 5)
    return 2 * source.numel() * 4 / seconds


def matmul_rate(rows: int, inner: int, columns: int) -> float:
    """FLOP/s of the output layer's product for ``rows`` rows, in the faster of
    the two operand layouts (weights on the left, activations transposed)."""
    weight, activations = torch.randn(columns, inner), torch.randn(rows, inner)
    seconds = timed(lambda: weight @ activations.t(), 20)
    return 2 * rows * inner * columns / seconds


def step_cost(model: LSTMLanguageModel, rows: int) -> tuple[int, int]:
    """(weight bytes read, FLOPs) for one step of ``rows`` rows, fp32."""
    matrix_parameters = sum(p.numel() for name, p in model.named_parameters() if p.dim() == 2 and "embedding" not in name)
    return matrix_parameters * 4, 2 * rows * matrix_parameters


def grid_benchmark(repeats: int) -> None:
    torch.manual_seed(0)
    tokenizer = Tokenizer("word", [UNK, EOS] + [f"w{i}" for i in range(14_172)])
    model = LSTMLanguageModel(len(tokenizer), embedding_size=512, hidden_size=512, num_layers=3, dropout=0.65).eval()
    int8 = quantize_int8(model)
    rows = len(TEMPERATURES)

    def ours(engine):
        return lambda: generate(engine, tokenizer, PROMPT, temperatures=TEMPERATURES, max_new_tokens=NEW_TOKENS, seed=0)

    def first_token(engine):
        return lambda: next(stream(engine, tokenizer, PROMPT, temperatures=TEMPERATURES, max_new_tokens=NEW_TOKENS, seed=0))

    fp32_seconds = timed(ours(model), repeats)
    int8_seconds = timed(ours(int8), repeats)
    first_fp32 = timed(first_token(model), repeats)
    first_int8 = timed(first_token(int8), repeats)
    reference_seconds = timed(lambda: reference_grid(model, tokenizer), 1)
    weight_bytes, flops = step_cost(model, rows)
    bandwidth = memory_bandwidth()
    rate = matmul_rate(rows, 512, len(tokenizer))
    floor = NEW_TOKENS * max(weight_bytes / bandwidth, flops / rate)
    tokens = rows * NEW_TOKENS
    print(f"model: vocabulary {len(tokenizer):,}, embedding 512, 3 × 512 LSTM, {model.parameter_count():,} parameters; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"grid: {rows} temperatures × {NEW_TOKENS} new tokens")
    print(f"  reference way (prefix re-fed, one temperature at a time): {reference_seconds:8.3f} s")
    print(f"  ours, fp32 weights:                                       {fp32_seconds:8.3f} s  "
          f"({tokens / fp32_seconds:,.0f} tokens/s, first token {1000 * first_fp32:.1f} ms)")
    print(f"  ours, int8 weights:                                       {int8_seconds:8.3f} s  "
          f"({tokens / int8_seconds:,.0f} tokens/s, first token {1000 * first_int8:.1f} ms)")
    print(f"  floor, fp32: {weight_bytes / 1e6:.1f} MB weights/step ÷ {bandwidth / 1e9:.1f} GB/s copy bandwidth = "
          f"{weight_bytes / bandwidth * 1000:.2f} ms; {flops / 1e6:.0f} MFLOP/step ÷ {rate / 1e9:.1f} GFLOP/s batch-{rows} "
          f"matmul = {flops / rate * 1000:.2f} ms; grid floor {floor:.3f} s")
    print(f"ratios: reference ÷ ours fp32 = {reference_seconds / fp32_seconds:.1f}×, reference ÷ ours int8 = "
          f"{reference_seconds / int8_seconds:.1f}×, ours fp32 ÷ floor = {fp32_seconds / floor:.2f}, "
          f"ours int8 ÷ fp32 floor = {int8_seconds / floor:.2f}")


def quality_benchmark(max_tokens: int) -> None:
    from lm.checkpoints import list_checkpoints, read_metrics
    from lm.corpora import load_corpus, local_tiny_shakespeare
    from lm.hub import load
    from lm.scoring import evaluate

    root = Path(__file__).resolve().parent.parent
    shakespeare = local_tiny_shakespeare()
    for folder in list_checkpoints(root / "checkpoints"):
        metrics = read_metrics(folder)
        corpus_name = metrics.get("corpus")
        text_file = str(shakespeare) if corpus_name == "tiny-shakespeare" and shakespeare else None
        if corpus_name not in ("human-numbers", "tiny-shakespeare") or (corpus_name == "tiny-shakespeare" and not text_file):
            continue
        model, tokenizer = load(folder)
        corpus = load_corpus(corpus_name, text_file, tokenizer.level)
        ids = corpus.encode("valid", tokenizer)
        settings = metrics.get("evaluation", {})
        figures = {}
        for label, engine in (("fp32", model), ("int8", quantize_int8(model))):
            figures[label] = evaluate(engine, ids, settings.get("batch_size", 10), settings.get("bptt", 128), max_tokens)
        change = figures["int8"]["perplexity"] / figures["fp32"]["perplexity"] - 1
        print(f"{folder.name}: valid perplexity fp32 {figures['fp32']['perplexity']:.4f}, int8 "
              f"{figures['int8']['perplexity']:.4f} ({100 * change:+.2f} %); accuracy fp32 "
              f"{figures['fp32']['accuracy']:.4f}, int8 {figures['int8']['accuracy']:.4f} "
              f"({figures['fp32']['tokens']:,} tokens)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--checkpoints", action="store_true", help="also measure int8's quality cost on shipped checkpoints")
    parser.add_argument("--max-tokens", type=int, default=None, help="score only this many valid tokens")
    args = parser.parse_args()
    grid_benchmark(args.repeats)
    if args.checkpoints:
        quality_benchmark(args.max_tokens)


if __name__ == "__main__":
    main()
