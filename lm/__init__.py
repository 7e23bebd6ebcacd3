"""LSTM language models: corpora, tokenizers, training, checkpoints, sampling."""

from lm.checkpoints import list_checkpoints, load, save
from lm.model import LSTMLanguageModel
from lm.sampling import generate, score, stream
from lm.tokenizer import Tokenizer
from lm.training import PRESETS, TrainConfig, config_from, train

__all__ = [
    "LSTMLanguageModel", "PRESETS", "TrainConfig", "Tokenizer", "config_from", "generate", "list_checkpoints",
    "load", "save", "score", "stream", "train",
]
