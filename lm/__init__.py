"""LSTM language models: corpora, tokenizers, training, checkpoints, sampling."""

from lm.checkpoints import list_checkpoints, save
from lm.hub import load
from lm.model import LSTMLanguageModel, ModelConfig
from lm.sampling import SamplingSettings, generate, stream
from lm.scoring import score
from lm.tokenizer import Tokenizer
from lm.config import PRESETS, TrainConfig, config_from
from lm.training import train

__all__ = [
    "LSTMLanguageModel", "ModelConfig", "PRESETS", "SamplingSettings", "TrainConfig", "Tokenizer", "config_from",
    "generate", "list_checkpoints", "load", "save", "score", "stream", "train",
]
