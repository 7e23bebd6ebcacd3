"""int8 weights for fast CPU sampling.

Dynamic quantization stores the LSTM and output-layer weights as int8 and
quantizes activations on the fly: a quarter of the bytes to read per step,
which is what bounds batched sampling on a CPU. This uses PyTorch's built-in
``torch.ao.quantization.quantize_dynamic`` (the one route that covers
``nn.LSTM``; torchao quantizes linear layers only). The quality cost is
measured by ``bench/sampling.py`` on the shipped checkpoints.
"""

from __future__ import annotations

import copy
import warnings

import torch
from torch import nn

from lm.model import LSTMLanguageModel


def quantize_int8(model: LSTMLanguageModel) -> LSTMLanguageModel:
    """An int8 copy of ``model`` for CPU inference; the original is untouched."""
    model = copy.deepcopy(model).to("cpu").eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(model, {nn.LSTM, nn.Linear}, dtype=torch.qint8)
