"""The LSTM language model: embedding -> stacked LSTM -> dropout -> linear.

Its ``__init__`` keyword arguments are its whole configuration; through
``PyTorchModelHubMixin`` they become ``config.json`` beside the weights. No I/O
happens here: saving and loading live in ``lm.checkpoints``.
"""

from __future__ import annotations

import math

import torch
from huggingface_hub import PyTorchModelHubMixin
from torch import nn

LSTMState = tuple[torch.Tensor, torch.Tensor]  # (h, c), each (L, B, H)

# Limits that keep a config.json from asking for absurd allocations.
MAX_VOCAB_SIZE = 1_000_000
MAX_WIDTH = 8192
MAX_LAYERS = 16


class LSTMLanguageModel(
    nn.Module,
    PyTorchModelHubMixin,
    library_name="lstm-studio",
    tags=["lstm", "language-model", "text-generation"],
    pipeline_tag="text-generation",
    license="mit",
):
    """Next-token model. ``forward(tokens, state) -> (logits, state)`` with
    tokens ``(B, T)`` and logits ``(B, T, V)``; pass the returned state back in
    to continue the same streams."""

    def __init__(
        self,
        vocab_size: int,
        embedding_size: int = 64,
        hidden_size: int = 256,
        num_layers: int = 2,
        dropout: float = 0.2,
        tie_weights: bool = False,
    ):
        super().__init__()
        check_config(vocab_size, embedding_size, hidden_size, num_layers, dropout)
        self.vocab_size = vocab_size
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.tie_weights = tie_weights
        self.embedding = nn.Embedding(vocab_size, embedding_size)
        self.dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(
            embedding_size,
            hidden_size,
            num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        # Tying needs the decoder input to be embedding-sized; project when
        # the LSTM is wider or narrower than the embedding.
        output_size = embedding_size if tie_weights else hidden_size
        self.projection = nn.Linear(hidden_size, embedding_size) if tie_weights and hidden_size != embedding_size else None
        self.decoder = nn.Linear(output_size, vocab_size)
        if tie_weights:
            self.decoder.weight = self.embedding.weight
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Initialise every weight in place (the seeds assigned fresh tensors
        into ``lstm.all_weights``, which leaves the module untouched)."""
        nn.init.uniform_(self.embedding.weight, -0.1, 0.1)
        bound = 1.0 / math.sqrt(self.hidden_size)
        for name, parameter in self.lstm.named_parameters():
            nn.init.uniform_(parameter, -bound, bound)
            if name.startswith("bias_ih"):
                # Forget gate (second quarter) starts open so early gradients flow.
                with torch.no_grad():
                    parameter[self.hidden_size : 2 * self.hidden_size].fill_(1.0)
            elif name.startswith("bias_hh"):
                nn.init.zeros_(parameter)
        if self.projection is not None:
            nn.init.xavier_uniform_(self.projection.weight)
            nn.init.zeros_(self.projection.bias)
        if not self.tie_weights:
            nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)

    def forward(self, tokens: torch.Tensor, state: LSTMState | None = None) -> tuple[torch.Tensor, LSTMState]:
        embedded = self.dropout(self.embedding(tokens))  # (B, T, E)
        output, state = self.lstm(embedded, state)  # (B, T, H)
        output = self.dropout(output)
        if self.projection is not None:
            output = self.projection(output)  # (B, T, E)
        return self.decoder(output), state  # (B, T, V)

    def step(self, tokens: torch.Tensor, state: LSTMState) -> tuple[torch.Tensor, LSTMState]:
        """One time step for every row: tokens ``(B,)`` -> logits ``(B, V)``.

        The same numbers as ``forward`` on ``(B, 1)``, computed with the
        weights on the left of each product (``W @ x.T``): for the few rows of
        sampling that layout runs about twice as fast on CPU, and it skips
        ``nn.LSTM``'s per-call set-up. Modules swapped for other kinds (int8)
        and training mode go through ``forward``."""
        if self.training or type(self.lstm) is not nn.LSTM or type(self.decoder) is not nn.Linear:
            logits, state = self(tokens.unsqueeze(1), state)
            return logits[:, -1], state
        hidden, cell = state  # (L, B, H) each
        # Activations stay (B, H) contiguous and enter each product as a
        # transposed view: that operand layout is the fast one for few rows.
        layer_input = self.embedding(tokens)  # (B, E)
        hiddens, cells = [], []
        for layer in range(self.num_layers):
            weight_ih = getattr(self.lstm, f"weight_ih_l{layer}")  # (4H, in)
            weight_hh = getattr(self.lstm, f"weight_hh_l{layer}")  # (4H, H)
            bias = getattr(self.lstm, f"bias_ih_l{layer}") + getattr(self.lstm, f"bias_hh_l{layer}")  # (4H,)
            gates = weight_ih @ layer_input.t()  # (4H, B)
            gates.addmm_(weight_hh, hidden[layer].t()).add_(bias.unsqueeze(1))
            gates = gates.t().contiguous()  # (B, 4H); a tiny copy that keeps everything after it row-major
            input_gate, forget_gate, cell_gate, output_gate = gates.chunk(4, 1)  # (B, H) each
            new_cell = torch.sigmoid(forget_gate) * cell[layer] + torch.sigmoid(input_gate) * torch.tanh(cell_gate)
            new_hidden = torch.sigmoid(output_gate) * torch.tanh(new_cell)  # (B, H), contiguous
            hiddens.append(new_hidden)
            cells.append(new_cell)
            layer_input = new_hidden
        output = layer_input  # (B, H)
        if self.projection is not None:
            output = (self.projection.weight @ output.t()).t().add(self.projection.bias).contiguous()  # (B, E)
        logits = (self.decoder.weight @ output.t()).t().contiguous().add_(self.decoder.bias)  # (B, V)
        return logits, (torch.stack(hiddens), torch.stack(cells))

    def parameter_count(self) -> int:
        return sum(parameter.numel() for parameter in self.parameters())


def check_config(vocab_size: int, embedding_size: int, hidden_size: int, num_layers: int, dropout: float) -> None:
    """Refuse sizes that are wrong or absurd before any allocation."""
    for name, value, limit in (
        ("vocab_size", vocab_size, MAX_VOCAB_SIZE),
        ("embedding_size", embedding_size, MAX_WIDTH),
        ("hidden_size", hidden_size, MAX_WIDTH),
        ("num_layers", num_layers, MAX_LAYERS),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit:
            raise ValueError(f"{name} must be an integer in [1, {limit}], got {value!r}")
    if not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
