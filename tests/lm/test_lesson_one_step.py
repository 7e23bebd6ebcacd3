"""The one-step view's numbers are the model's own: for every shipped model,
checked against an independent reference (``nn.LSTM``'s forward with the
checkpoint's weights, the gates from their formulas written here, logits and
probabilities from plain tensor operations), and its draw picks the token
``lm.generate`` wrote with the same seed."""

from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lm.checkpoints import list_checkpoints, load_folder
from lm.lesson.one_step import StepExplanation, explain, explain_step
from lm.lesson.stepping import StepSampler
from lm.lesson.traces import Drawn, Trace, sampler_trace, trace_sample
from lm.prompt import encode_prompt
from lm.sampling import SamplingSettings, generate
from lm.tokenizer import EOS_ID, UNK_ID
from tests.support.paths import CHECKPOINTS

PROMPTS = {"tiny-shakespeare": "ROMEO:\nO", "tiny-shakespeare-words": "ROMEO : what", "human-numbers": "one hundred and"}
SHIPPED = [folder.name for folder in list_checkpoints(CHECKPOINTS)]
TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def loaded() -> dict:
    return {name: load_folder(CHECKPOINTS / name) for name in SHIPPED}


def five_positions(trace: Trace) -> list[int]:
    """Five positions spread over the prompt and the written tokens."""
    last = len(trace) - 1
    positions = sorted({1, max(1, trace.prompt_length - 1), trace.prompt_length, (trace.prompt_length + last) // 2, last})
    spare = [position for position in range(last, 0, -1) if position not in positions]
    return sorted(positions + spare[: 5 - len(positions)])


def reference_states(model, ids: list[int]) -> tuple[torch.Tensor, torch.Tensor]:
    """(h, c) after reading ``ids``, each (L, H), from a fresh ``nn.LSTM`` holding the checkpoint's weights."""
    lstm = nn.LSTM(model.embedding_size, model.hidden_size, model.num_layers, batch_first=True)
    lstm.load_state_dict(model.lstm.state_dict())
    if not ids:
        zeros = torch.zeros(model.num_layers, model.hidden_size)
        return zeros, zeros
    _, (hidden, cell) = lstm(model.embedding.weight[ids].unsqueeze(0))  # (L, 1, H) each
    return hidden[:, 0], cell[:, 0]


def check_against_reference(model, trace: Trace, position: int, shown: StepExplanation) -> None:
    ids = trace.token_ids[:position]  # what was read up to and including the input token
    hidden_before, cell_before = reference_states(model, ids[:-1])
    hidden, cell = reference_states(model, ids)
    layer_input = model.embedding.weight[ids[-1]]
    assert torch.allclose(torch.tensor(shown.embedding), layer_input, atol=TOLERANCE)
    for layer, step in enumerate(shown.layers):
        weights = {name: getattr(model.lstm, f"{name}_l{layer}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
        gates = (layer_input @ weights["weight_ih"].T + weights["bias_ih"] + hidden_before[layer] @ weights["weight_hh"].T
                 + weights["bias_hh"])  # (4H,) in the order i, f, g, o
        i, f, g, o = gates.chunk(4)
        expected = {"input_gate": torch.sigmoid(i), "forget_gate": torch.sigmoid(f), "candidate": torch.tanh(g),
                    "output_gate": torch.sigmoid(o), "hidden_before": hidden_before[layer],
                    "cell_before": cell_before[layer], "hidden": hidden[layer], "cell": cell[layer]}
        for name, values in expected.items():
            assert torch.allclose(torch.tensor(getattr(step, name)), values, atol=TOLERANCE), (layer, name)
        changed = (cell[layer] - cell_before[layer]).abs()
        assert float(changed[step.most_changed[-1]]) >= float(changed.sort(descending=True).values[15]) - TOLERANCE
        layer_input = hidden[layer]
    output = layer_input if model.projection is None else F.linear(layer_input, model.projection.weight,
                                                                   model.projection.bias)
    logits = F.linear(output, model.decoder.weight, model.decoder.bias)  # (V,)
    probabilities = torch.softmax(logits / shown.temperature, -1)
    probabilities[UNK_ID] = 0.0
    probabilities /= probabilities.sum()
    assert torch.allclose(torch.tensor(shown.logits), logits, atol=TOLERANCE)
    assert torch.allclose(torch.tensor(shown.probabilities), probabilities, atol=TOLERANCE)
    top = [token.token_id for token in shown.top]
    assert UNK_ID not in top and len(top) == min(10, len(logits) - 1)
    assert shown.input_id == ids[-1] and shown.written_id == trace.token_ids[position]


@pytest.mark.parametrize("name", SHIPPED)
def test_the_numbers_are_the_model_s_own(loaded, name):
    model, tokenizer = loaded[name]
    trace = trace_sample(model, tokenizer, PROMPTS.get(name, ""), SamplingSettings((0.8,), 30, 4))
    with torch.no_grad():
        for position in five_positions(trace):
            check_against_reference(model, trace, position, explain_step(model, tokenizer, trace, position))


@pytest.mark.parametrize("name", SHIPPED)
def test_the_draw_picks_the_token_generate_wrote_at_each_temperature(loaded, name):
    model, tokenizer = loaded[name]
    prompt = PROMPTS.get(name, "")
    settings = SamplingSettings((0.2, 0.8, 2.0), 40, 11)
    samples = generate(model, tokenizer, prompt, settings)
    for row, sample in enumerate(samples.samples):
        trace = trace_sample(model, tokenizer, prompt, settings, row=row)
        written = trace.token_ids[trace.prompt_length:]
        assert [token for token in written if token != EOS_ID] == sample.token_ids
        drawn = [position for position in five_positions(trace) if position >= trace.prompt_length]
        for position in drawn:
            shown = explain_step(model, tokenizer, trace, position)
            assert shown.origin == "drawn" and shown.temperature == settings.temperatures[row]
            assert shown.picked_id == trace.token_ids[position] and shown.note == ""
            assert shown.uniform == trace.draws[position].uniform
    # The same number at another temperature picks what that temperature's column wrote first.
    first = explain(model, tokenizer, prompt, SamplingSettings((0.8,), 1, 11))
    for temperature, sample in zip(settings.temperatures, samples.samples):
        at = torch.softmax(torch.tensor(first.logits) / temperature, -1)
        at[UNK_ID] = 0.0
        cumulative = at.cumsum(0)
        picked = int(torch.searchsorted(cumulative, first.uniform * cumulative[-1] * (1 - 1e-6), right=True))
        assert picked == (sample.token_ids or [EOS_ID])[0]


def test_stepping_back_and_forth_gives_the_numbers_of_a_fresh_walk(loaded):
    model, tokenizer = loaded["tiny-shakespeare"]
    settings = SamplingSettings((1.0,), 60, 2)
    walked = trace_sample(model, tokenizer, "ROMEO:\n", settings)
    for position in (40, 39, 5, 57):
        stepped = explain_step(model, tokenizer, walked, position)
        fresh = explain_step(model, tokenizer, trace_sample(model, tokenizer, "ROMEO:\n", settings), position)
        assert stepped.layers[-1].cell == fresh.layers[-1].cell and stepped.logits == fresh.logits


def test_read_tokens_say_so_and_int8_disagreements_are_named(loaded):
    model, tokenizer = loaded["tiny-shakespeare"]
    sampler = StepSampler(model, tokenizer, "ROMEO:\n", seed=5)
    sampler.append(tokenizer.index["O"])
    drawn = sampler.draw(0.8)
    trace = sampler_trace(sampler, 0.8)
    prompt_step, chosen, drawn_step = (explain_step(model, tokenizer, trace, position) for position in (3, 7, 8))
    assert (prompt_step.origin, chosen.origin, drawn_step.origin) == ("prompt", "chosen", "drawn")
    assert chosen.uniform is None and chosen.picked_id is None and drawn_step.picked_id == drawn
    # An int8 sample whose token fp32 would not have drawn: the explanation names both.
    other = next(token for token in range(2, len(tokenizer)) if token != drawn)
    int8 = Trace(trace.token_ids[:8] + [other], 8, trace.draws[:8] + [Drawn(0.8, trace.draws[8].uniform)], 0.8, int8=True)
    shown = explain_step(model, tokenizer, int8, 8)
    assert shown.written_id == other and shown.picked_id == drawn
    assert shown.note.startswith(f"fp32 weights would have drawn {tokenizer.token(drawn)!r} here")
    assert json.loads(json.dumps(shown.to_dict()))["picked_id"] == drawn


def test_bad_input_is_named(loaded):
    model, tokenizer = loaded["human-numbers"]
    trace = trace_sample(model, tokenizer, "one two", SamplingSettings((0.8,), 5, 0))
    with pytest.raises(ValueError, match=rf"position must be an integer in \[1, {len(trace) - 1}\] .*got 99"):
        explain_step(model, tokenizer, trace, 99)
    with pytest.raises(ValueError, match=r"position must be .* got 0"):
        explain_step(model, tokenizer, trace, 0)
    with pytest.raises(ValueError, match="prompt is 1,001 tokens long; explaining a step reads at most 1,000"):
        trace_sample(model, tokenizer, encode_prompt(tokenizer, "one " * 1001), SamplingSettings((0.8,), 5, 0))
    with pytest.raises(ValueError, match="explain one column at a time: give one temperature, got 2"):
        explain(model, tokenizer, "one", SamplingSettings((0.5, 0.8), 5, 0))
