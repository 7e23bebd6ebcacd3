"""LSTM language models: corpora, tokenizers, training, checkpoints, sampling."""

from lm.checkpoints import list_checkpoints, load, save
from lm.model import LSTMLanguageModel
from lm.tokenizer import Tokenizer
from lm.training import PRESETS, TrainConfig, config_from, train

__all__ = ["LSTMLanguageModel", "PRESETS", "TrainConfig", "Tokenizer", "config_from", "list_checkpoints", "load", "save", "train"]
