"""A corpus made ready for training: its tokenizer, built on the train split
(or, when fine-tuning, the parent checkpoint's), and every split encoded as
one id stream."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lm.config import TrainConfig
from lm.corpora import Corpus, load_corpus
from lm.hub import load
from lm.model import LSTMLanguageModel
from lm.tokenizer import UNK_ID, Tokenizer


@dataclass
class Prepared:
    """A corpus turned into id streams with its tokenizer."""

    corpus: Corpus
    tokenizer: Tokenizer
    ids: dict[str, torch.Tensor]  # split -> (N,) ids
    parent: LSTMLanguageModel | None = None  # fine-tuning: the model training starts from

    @property
    def unknown_tokens(self) -> int:
        """Training tokens outside the vocabulary (``<unk>``)."""
        return int((self.ids["train"] == UNK_ID).sum())


def prepare(config: TrainConfig) -> Prepared:
    """Load the config's corpus, build its tokenizer and encode every split."""
    corpus = load_corpus(config.corpus, config.text_file, config.level, config.dataset_revision,
                         blank_lines=config.tokenizer == "whitespace")
    parent = None
    if config.init_from:  # fine-tuning: the parent's vocabulary, whatever the new text holds
        parent, tokenizer = load(config.init_from)
    else:
        min_freq = config.min_freq if config.min_freq is not None else corpus.min_freq
        tokenizer = Tokenizer.build(corpus.splits["train"], corpus.level, min_freq, config.max_vocab, config.tokenizer)
    ids = {
        split: torch.tensor(tokenizer.encode_lines(lines, corpus.eos_after_each), dtype=torch.long)
        for split, lines in corpus.splits.items()
    }
    return Prepared(corpus, tokenizer, ids, parent)
