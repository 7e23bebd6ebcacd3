"""Training speed: our trainer against the seeds' plain loop, same model, same run.

    python bench/train_speed.py [--steps 8]

The model is seed 000's (vocabulary 14,174, embedding 512, 3 × 512 LSTM,
dropout 0.65), batch 128 × BPTT 50, on random token ids. The plain loop is
the reference one: forward, cross-entropy, backward, clip, Adam step, state
detached, ``loss.item()`` — nothing else. Ours is ``lm.training.train`` with
all its bookkeeping on (progress events, validation, checkpoint writes, test
scoring), once in fp32 and once with its default precision (bf16 autocast
where the CPU has native bf16). Prints tokens/s, the ratios, and the share of
our wall time spent outside the training steps.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lm.corpora import Corpus  # noqa: E402
from lm.model import LSTMLanguageModel  # noqa: E402
from lm.runtime import use_bf16  # noqa: E402
from lm.tokenizer import Tokenizer  # noqa: E402
from lm.training import train  # noqa: E402
from lm.training.config import config_from  # noqa: E402
from lm.training.run import Prepared  # noqa: E402

VOCAB, EMBEDDING, HIDDEN, LAYERS, DROPOUT = 14_174, 512, 512, 3, 0.65
BATCH, BPTT = 128, 50


def plain_loop(ids: torch.Tensor, steps: int) -> float:
    """The seeds' training loop; returns seconds for ``steps`` steps after one warm-up step."""
    torch.manual_seed(0)
    model = LSTMLanguageModel(VOCAB, EMBEDDING, HIDDEN, LAYERS, DROPOUT).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    rows = ids[: BATCH * (ids.numel() // BATCH)].view(BATCH, -1)  # (B, N)
    state = None
    started = None
    for step in range(steps + 1):
        if step == 1:
            started = time.perf_counter()
        inputs = rows[:, step * BPTT : (step + 1) * BPTT]  # (B, T)
        targets = rows[:, step * BPTT + 1 : (step + 1) * BPTT + 1]  # (B, T)
        if state is not None:
            state = tuple(tensor.detach() for tensor in state)
        optimizer.zero_grad()
        logits, state = model(inputs, state)  # (B, T, V)
        loss = F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        optimizer.step()
        loss.item()
    return time.perf_counter() - started


def our_trainer(ids: torch.Tensor, held_out: torch.Tensor, steps: int, precision: str) -> tuple[float, int]:
    """``train`` on the same stream (one epoch of ``steps`` + 1 windows); returns (seconds, steps)."""
    words = [f"w{index}" for index in range(VOCAB - 2)]
    tokenizer = Tokenizer.build([" ".join(words)], "word")
    assert len(tokenizer) == VOCAB
    corpus = Corpus("synthetic", "word", {"train": [], "valid": [], "test": []}, True)
    prepared = Prepared(corpus, tokenizer, {"train": ids, "valid": held_out, "test": held_out})
    config = config_from(None, corpus=None, text_file="synthetic", embedding_size=EMBEDDING, hidden_size=HIDDEN,
                         num_layers=LAYERS, dropout=DROPOUT, batch_size=BATCH, bptt=BPTT, learning_rate=1e-3,
                         weight_decay=0.0, clip=0.25, epochs=1, schedule="constant", precision=precision)
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        metrics = train(config, out, prepared=prepared)
        return time.perf_counter() - started, metrics["steps"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=8, help="training steps per contestant")
    args = parser.parse_args()
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(2, VOCAB, (BATCH * ((args.steps + 1) * BPTT + 1),), generator=generator)
    held_out = torch.randint(2, VOCAB, (BATCH * BPTT // 4,), generator=generator)  # a small valid/test split
    tokens = args.steps * BATCH * BPTT

    print(f"seed 000's model: vocabulary {VOCAB:,}, embedding {EMBEDDING}, {LAYERS} x {HIDDEN} LSTM; "
          f"batch {BATCH} x BPTT {BPTT}; {args.steps} timed steps; {torch.get_num_threads()} threads", flush=True)
    plain = plain_loop(ids, args.steps)
    print(f"plain loop (fp32):              {tokens / plain:8,.0f} tokens/s", flush=True)
    for precision in ("fp32", "auto"):
        seconds, steps = our_trainer(ids, held_out, args.steps, precision)
        rate = steps * BATCH * BPTT / seconds
        label = "bf16" if precision == "auto" and use_bf16("auto", torch.device("cpu")) else "fp32"
        print(f"our trainer ({label}, {precision:>4}):      {rate:8,.0f} tokens/s  "
              f"= {rate / (tokens / plain):.2f} x the plain loop  "
              f"(all bookkeeping included: validation, checkpoints, test)", flush=True)
        if precision == "fp32":
            outside = 1 - (plain / args.steps * steps) / seconds
            print(f"    share of our wall time outside forward/backward/step: {100 * outside:.1f} %", flush=True)


if __name__ == "__main__":
    main()
