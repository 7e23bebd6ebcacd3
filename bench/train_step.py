"""The character pick's training step against the floor of its own matrix
products, in one run: how much faster any LSTM kernel could make it here.

    python bench/train_step.py [--hidden-size 512] [--steps 30] [--rounds 3]

The step is the training loop's own (``lm.training.regularization.training_loss``,
backward, clipping, AdamW) on the pick's shape: embedding 64, 1 × H LSTM,
batch 32 × 64 characters, bf16 autocast where the CPU has native bf16, as
``train.py --max-minutes 2.17`` picks it on Tiny Shakespeare. Each round
times it as trained (oneDNN's fused LSTM through ``nn.LSTM``) under a few
OpenMP thread layouts, each in a fresh process, and then the step's matrix
products alone, back to back in the same precision: the input projection,
the 64 recurrent products of the forward pass, the 64 of the backward pass,
the weight gradients as two large products and the decoder's three. No
LSTM kernel does less arithmetic than that, so ``floor ÷ step`` bounds what
a faster kernel could gain. Prints tokens/s per variant and the ratios to
the default layout, medians over the rounds. Run nothing else meanwhile.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from lm.model import LSTMLanguageModel  # noqa: E402
from lm.runtime import reuse_freed_memory, use_bf16  # noqa: E402
from lm.training.regularization import training_loss  # noqa: E402

VOCAB, EMBEDDING, BATCH, BPTT = 65, 64, 32, 64
LAYOUTS = {  # OpenMP settings each variant runs under
    "default": {},
    "threads bound to cores": {"OMP_PROC_BIND": "close", "OMP_PLACES": "cores"},
    "threads spin while waiting": {"OMP_WAIT_POLICY": "ACTIVE"},
    "threads sleep while waiting": {"OMP_WAIT_POLICY": "PASSIVE"},
    "one thread": {"OMP_NUM_THREADS": "1"},
}


def step_rate(hidden: int, steps: int) -> float:
    """Training tokens/s of the loop's own step, after three warm-up steps."""
    torch.manual_seed(0)
    model = LSTMLanguageModel(VOCAB, embedding_size=EMBEDDING, hidden_size=hidden, num_layers=1).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3, weight_decay=0.01)
    bf16 = use_bf16("auto", torch.device("cpu"))
    rows = torch.randint(VOCAB, (BATCH, BPTT * (steps + 3) + 1))  # (B, N)
    state = None
    with reuse_freed_memory():
        for step in range(steps + 3):
            if step == 3:
                started = time.perf_counter()
            inputs = rows[:, step * BPTT:(step + 1) * BPTT]  # (B, T)
            targets = rows[:, step * BPTT + 1:(step + 1) * BPTT + 1]  # (B, T)
            loss, _, state = training_loss(model, inputs, targets, state, None, bf16)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            loss.item()
            state = tuple(tensor.detach() for tensor in state)
    return BATCH * BPTT * steps / (time.perf_counter() - started)


def floor_rate(hidden: int, steps: int) -> float:
    """Tokens/s if a step were nothing but its matrix products, back to back."""
    dtype = torch.bfloat16 if use_bf16("auto", torch.device("cpu")) else torch.float32
    tokens, gates = BATCH * BPTT, 4 * hidden

    def matrix(rows: int, columns: int) -> torch.Tensor:
        return torch.randn(rows, columns).to(dtype)

    inputs, hiddens, outputs = matrix(tokens, EMBEDDING), matrix(tokens, hidden), matrix(tokens, VOCAB)
    weight_ih, weight_hh, decoder = matrix(gates, EMBEDDING), matrix(gates, hidden), matrix(VOCAB, hidden)
    gate_grads, one_step, one_grad = matrix(tokens, gates), matrix(BATCH, hidden), matrix(BATCH, gates)

    def products() -> None:
        inputs @ weight_ih.T  # (B*T, 4H): the input projection
        for _ in range(BPTT):
            one_step @ weight_hh.T  # (B, 4H): a forward recurrent step
            one_grad @ weight_hh  # (B, H): a backward recurrent step
        gate_grads.T @ hiddens  # (4H, H): the recurrent weights' gradient
        gate_grads.T @ inputs  # (4H, E): the input weights' gradient
        gate_grads @ weight_ih  # (B*T, E): the embedding's gradient
        hiddens @ decoder.T  # (B*T, V): the decoder, forward
        outputs.T @ hiddens  # (V, H): its weight gradient
        outputs @ decoder  # (B*T, H): its input gradient

    for _ in range(3):
        products()
    started = time.perf_counter()
    for _ in range(steps):
        products()
    return tokens * steps / (time.perf_counter() - started)


def measure_in_a_process(layout: dict, hidden: int, steps: int) -> dict:
    command = [sys.executable, __file__, "--hidden-size", str(hidden), "--steps", str(steps), "--one"]
    result = subprocess.run(command, env={**os.environ, **layout}, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hidden-size", type=int, default=512)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # one measurement, as JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps({"step": step_rate(args.hidden_size, args.steps),
                          "floor": floor_rate(args.hidden_size, args.steps)}))
        return
    rates: dict[str, list[float]] = {name: [] for name in LAYOUTS}
    floors: list[float] = []
    for round_number in range(args.rounds):
        for name, layout in LAYOUTS.items():
            measured = measure_in_a_process(layout, args.hidden_size, args.steps)
            rates[name].append(measured["step"])
            if name == "default":
                floors.append(measured["floor"])
        print(f"round {round_number + 1}: " + ", ".join(f"{name} {values[-1]:,.0f}" for name, values in rates.items()),
              flush=True)
    default = statistics.median(rates["default"])
    print(f"\n1 x {args.hidden_size}, batch {BATCH} x {BPTT}, {torch.get_num_threads()} threads by default; "
          f"training tokens/s, medians of {args.rounds} rounds:")
    for name, values in rates.items():
        print(f"  {name}: {statistics.median(values):,.0f} ({statistics.median(values) / default:.2f} x the default)")
    floor = statistics.median(floors)
    print(f"  the step's matrix products alone (the floor of any kernel): {floor:,.0f} "
          f"({floor / default:.2f} x the default step)")


if __name__ == "__main__":
    main()
