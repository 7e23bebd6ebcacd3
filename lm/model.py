"""The LSTM language model: embedding -> stacked LSTM -> dropout -> linear,
and ``ModelConfig``, the one description of its shape.

``ModelConfig`` is what ``config.json`` holds beside the weights; its fields
are the model's keyword arguments. No I/O happens here: saving and loading
live in ``lm.checkpoints``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

import torch
from torch import nn

LSTMState = tuple[torch.Tensor, torch.Tensor]  # (h, c), each (L, B, H)

# Limits that keep a config.json from asking for absurd allocations.
MAX_VOCAB_SIZE = 1_000_000
MAX_WIDTH = 8192
MAX_LAYERS = 16


@dataclass(frozen=True)
class ModelConfig:
    """The model's shape; saved as ``config.json``."""

    vocab_size: int  # tokens, <unk> and <eos> included
    embedding_size: int = 64  # width of the token embedding
    hidden_size: int = 256  # width of each LSTM layer
    num_layers: int = 2  # stacked LSTM layers
    dropout: float = 0.2  # on embeddings, between layers and on the output (training only)
    tie_weights: bool = False  # the output layer shares the embedding matrix

    def __post_init__(self) -> None:
        for name, limit in (("vocab_size", MAX_VOCAB_SIZE), ("embedding_size", MAX_WIDTH),
                            ("hidden_size", MAX_WIDTH), ("num_layers", MAX_LAYERS)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= limit:
                raise ValueError(f"{name} must be an integer in [1, {limit}], got {value!r}")
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, (int, float)) or not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if not isinstance(self.tie_weights, bool):
            raise ValueError(f"tie_weights must be true or false, got {self.tie_weights!r}")

    @classmethod
    def from_dict(cls, data: object) -> "ModelConfig":
        """A config read from JSON: an object with these fields only,
        ``vocab_size`` required; ``ValueError`` names what is wrong."""
        allowed = sorted(item.name for item in fields(cls))
        if not isinstance(data, dict):
            raise ValueError("must hold a JSON object")
        if set(data) - set(allowed) or "vocab_size" not in data:
            raise ValueError(f"has keys {sorted(data)}; allowed are {allowed} and vocab_size is required")
        return cls(**data)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class GateReadings:
    """The top LSTM layer after one step, each ``(B, H)``: its input, forget
    and output gates (0 to 1), the cell state and the hidden output."""

    input_gate: torch.Tensor
    forget_gate: torch.Tensor
    output_gate: torch.Tensor
    cell: torch.Tensor
    hidden: torch.Tensor


class LSTMLanguageModel(nn.Module):
    """Next-token model. ``forward(tokens, state) -> (logits, state)`` with
    tokens ``(B, T)`` and logits ``(B, T, V)``; pass the returned state back in
    to continue the same streams.

    Built from a ``ModelConfig`` or from its fields:
    ``LSTMLanguageModel(config)`` or ``LSTMLanguageModel(vocab_size, hidden_size=...)``."""

    def __init__(self, vocab_size: int | ModelConfig, **shape):
        super().__init__()
        config = vocab_size if isinstance(vocab_size, ModelConfig) else ModelConfig(vocab_size, **shape)
        self.config = config
        self.vocab_size = config.vocab_size
        self.embedding_size = config.embedding_size
        self.hidden_size = config.hidden_size
        self.num_layers = config.num_layers
        self.tie_weights = config.tie_weights
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_size)
        self.dropout = nn.Dropout(config.dropout)
        self.lstm = nn.LSTM(
            config.embedding_size,
            config.hidden_size,
            config.num_layers,
            batch_first=True,
            dropout=config.dropout if config.num_layers > 1 else 0.0,
        )
        # Tying needs the decoder input to be embedding-sized; project when
        # the LSTM is wider or narrower than the embedding.
        tied, hidden, embedding = config.tie_weights, config.hidden_size, config.embedding_size
        self.projection = nn.Linear(hidden, embedding) if tied and hidden != embedding else None
        self.decoder = nn.Linear(embedding if tied else hidden, config.vocab_size)
        if tied:
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

    def step(
        self, tokens: torch.Tensor, state: LSTMState, readings: list[GateReadings] | None = None
    ) -> tuple[torch.Tensor, LSTMState]:
        """One time step for every row: tokens ``(B,)`` -> logits ``(B, V)``.

        The same numbers as ``forward`` on ``(B, 1)``, computed with the
        weights on the left of each product (``W @ x.T``): for the few rows of
        sampling that layout runs about twice as fast on CPU, and it skips
        ``nn.LSTM``'s per-call set-up. Modules swapped for other kinds (int8)
        and training mode go through ``forward``. With ``readings``, the top
        layer's gates, cell and hidden state of this step are appended to it
        (only the fp32 path computes them in the open)."""
        if not self.computes_gates():
            if readings is not None:
                raise ValueError("gate readings need the fp32 model in eval mode (int8 weights hide the gates)")
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
            input_gate, forget_gate, output_gate = input_gate.sigmoid(), forget_gate.sigmoid(), output_gate.sigmoid()
            new_cell = forget_gate * cell[layer] + input_gate * torch.tanh(cell_gate)
            new_hidden = output_gate * torch.tanh(new_cell)  # (B, H), contiguous
            hiddens.append(new_hidden)
            cells.append(new_cell)
            layer_input = new_hidden
        if readings is not None:
            readings.append(GateReadings(input_gate, forget_gate, output_gate, new_cell, new_hidden))
        output = layer_input  # (B, H)
        if self.projection is not None:
            output = (self.projection.weight @ output.t()).t().add(self.projection.bias).contiguous()  # (B, E)
        logits = (self.decoder.weight @ output.t()).t().contiguous().add_(self.decoder.bias)  # (B, V)
        return logits, (torch.stack(hiddens), torch.stack(cells))

    def computes_gates(self) -> bool:
        """Whether ``step`` runs the LSTM in the open (fp32 modules, eval mode)."""
        return not self.training and type(self.lstm) is nn.LSTM and type(self.decoder) is nn.Linear

    def parameter_count(self) -> int:
        return sum(parameter.numel() for parameter in self.parameters())

