"""LSTM language models: the library under the studio, usable from a
notebook without Gradio.

Its top level is the core: ``model`` (``LSTMLanguageModel``, ``ModelConfig``),
``tokenizer``, ``data`` (ids -> batch rows -> BPTT windows), ``corpora``,
``prompt``, ``sampling``, ``scoring``, ``checkpoints`` (the folder format),
``quantize``, ``runtime`` (device, seed, precision, allocator) and ``files``.
Subpackages: ``lm.training`` (config, budget, the loop, resume),
``lm.hub`` (download, load, push, model cards) and ``lm.lesson`` (what the
classroom views compute). ``python -m lm`` is the command line."""

from lm.checkpoints import list_checkpoints, save
from lm.hub import load
from lm.model import LSTMLanguageModel, ModelConfig
from lm.sampling import SamplingSettings, generate, stream
from lm.scoring import score
from lm.tokenizer import Tokenizer
from lm.training import PRESETS, TrainConfig, config_from, train

__all__ = [
    "LSTMLanguageModel", "ModelConfig", "PRESETS", "SamplingSettings", "TrainConfig", "Tokenizer", "config_from",
    "generate", "list_checkpoints", "load", "save", "score", "stream", "train",
]
