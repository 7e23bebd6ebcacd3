"""AWD-LSTM regularisation for training (Merity et al., 2017).

A training-time forward pass over ``LSTMLanguageModel``'s own weights, layer
by layer, with:

- embedding dropout: whole rows of the embedding matrix (words) dropped;
- variational ("locked") dropout: one mask per sequence, shared across time,
  on the embeddings, between layers and on the last layer's output;
- weight drop (DropConnect) on each layer's hidden-to-hidden matrix, a fresh
  mask per window; the module's weights themselves are never modified, so
  what is saved is the undropped matrix;
- activation regularisation (AR, ``alpha``) on the dropped output and
  temporal activation regularisation (TAR, ``beta``) on the raw output.

The checkpoint format and inference are unchanged: at evaluation every
dropout is off and this pass equals ``model.forward``. ``training_loss`` is
one training window's forward pass and loss, with or without all this: the
training loop and the budget's throughput probe both step through it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from lm.model import LSTMLanguageModel, LSTMState


@dataclass(frozen=True)
class Regularization:
    embedding_dropout: float = 0.0  # probability of dropping a word's whole embedding
    input_dropout: float = 0.0  # on the embeddings fed to the first layer
    hidden_dropout: float = 0.0  # between LSTM layers
    output_dropout: float = 0.0  # on the last layer's output
    weight_drop: float = 0.0  # DropConnect on hidden-to-hidden weights
    locked: bool = True  # one mask per sequence (variational) instead of per element
    alpha: float = 0.0  # AR
    beta: float = 0.0  # TAR

    def __post_init__(self) -> None:
        for name in ("embedding_dropout", "input_dropout", "hidden_dropout", "output_dropout", "weight_drop"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if self.alpha < 0 or self.beta < 0:
            raise ValueError(f"AR alpha and TAR beta must be non-negative, got {self.alpha} and {self.beta}")


@dataclass
class Output:
    logits: torch.Tensor  # (B, T, V)
    state: LSTMState
    raw: torch.Tensor  # (B, T, H) last layer's output before dropout
    dropped: torch.Tensor  # (B, T, H) after dropout

    def penalty(self, regularization: Regularization) -> torch.Tensor:
        """AR + TAR: ``alpha · mean(dropped²) + beta · mean((raw[t+1] - raw[t])²)``."""
        total = self.logits.new_zeros(())
        if regularization.alpha:
            total = total + regularization.alpha * self.dropped.pow(2).mean()
        if regularization.beta and self.raw.size(1) > 1:
            total = total + regularization.beta * (self.raw[:, 1:] - self.raw[:, :-1]).pow(2).mean()
        return total


def locked_dropout(values: torch.Tensor, probability: float, training: bool = True) -> torch.Tensor:
    """Dropout with one mask per row, shared by every step. ``values``: (B, T, D)."""
    if not training or probability == 0.0:
        return values
    mask = values.new_empty(values.size(0), 1, values.size(2)).bernoulli_(1 - probability)  # (B, 1, D)
    return values * mask / (1 - probability)


def embedding_dropout(weight: torch.Tensor, probability: float, training: bool = True) -> torch.Tensor:
    """The embedding matrix with whole rows (words) zeroed. ``weight``: (V, E)."""
    if not training or probability == 0.0:
        return weight
    mask = weight.new_empty(weight.size(0), 1).bernoulli_(1 - probability)  # (V, 1)
    return weight * mask / (1 - probability)


def regularized_forward(
    model: LSTMLanguageModel, tokens: torch.Tensor, state: LSTMState | None, regularization: Regularization
) -> Output:
    """``model(tokens, state)`` with the regularisation applied (in training
    mode); tokens ``(B, T)``."""
    training = model.training
    setting = regularization

    def drop(values: torch.Tensor, probability: float) -> torch.Tensor:
        if setting.locked:
            return locked_dropout(values, probability, training)
        return F.dropout(values, probability, training)

    weight = embedding_dropout(model.embedding.weight, setting.embedding_dropout, training)
    layer_input = drop(F.embedding(tokens, weight), setting.input_dropout)  # (B, T, E)
    batch = tokens.size(0)
    if state is None:
        zeros = layer_input.new_zeros(model.num_layers, batch, model.hidden_size)  # (L, B, H)
        state = (zeros, zeros)
    hiddens, cells = [], []
    for layer in range(model.num_layers):
        weight_hh = getattr(model.lstm, f"weight_hh_l{layer}")  # (4H, H)
        if setting.weight_drop:
            weight_hh = F.dropout(weight_hh, setting.weight_drop, training)
        weights = [getattr(model.lstm, f"weight_ih_l{layer}"), weight_hh,
                   getattr(model.lstm, f"bias_ih_l{layer}"), getattr(model.lstm, f"bias_hh_l{layer}")]
        layer_state = (state[0][layer : layer + 1], state[1][layer : layer + 1])  # (1, B, H) each
        output, hidden, cell = torch.lstm(layer_input, layer_state, weights, True, 1, 0.0, training, False, True)
        hiddens.append(hidden)
        cells.append(cell)
        layer_input = drop(output, setting.hidden_dropout) if layer < model.num_layers - 1 else output  # (B, T, H)
    raw = layer_input
    dropped = drop(raw, setting.output_dropout)
    projected = model.projection(dropped) if model.projection is not None else dropped  # (B, T, E or H)
    return Output(model.decoder(projected), (torch.cat(hiddens), torch.cat(cells)), raw, dropped)


def training_loss(model: LSTMLanguageModel, inputs: torch.Tensor, targets: torch.Tensor, state: LSTMState | None,
                  regularization: Regularization | None,
                  bf16: bool) -> tuple[torch.Tensor, torch.Tensor | float, LSTMState]:
    """One training window: the cross-entropy of ``targets``, the AR/TAR
    penalty (0 without regularisation) and the fp32 state to carry into the
    next window. ``inputs`` and ``targets`` are ``(B, T)``; with ``bf16`` the
    matrix products run under bf16 autocast."""
    with torch.autocast(inputs.device.type, dtype=torch.bfloat16, enabled=bf16):
        if regularization is None:
            logits, state = model(inputs, state)  # (B, T, V)
            penalty = 0.0
        else:
            output = regularized_forward(model, inputs, state, regularization)
            logits, state, penalty = output.logits, output.state, output.penalty(regularization)
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)).float(), targets.reshape(-1))
    return loss, penalty, tuple(tensor.float() for tensor in state)
