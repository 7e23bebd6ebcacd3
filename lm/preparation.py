"""A corpus made ready for training: its tokenizer, built on the train split,
and every split encoded as one id stream."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lm.config import TrainConfig
from lm.corpora import Corpus, load_corpus
from lm.tokenizer import Tokenizer


@dataclass
class Prepared:
    """A corpus turned into id streams with its tokenizer."""

    corpus: Corpus
    tokenizer: Tokenizer
    ids: dict[str, torch.Tensor]  # split -> (N,) ids


def prepare(config: TrainConfig) -> Prepared:
    """Load the config's corpus, build its tokenizer and encode every split."""
    corpus = load_corpus(config.corpus, config.text_file, config.level, config.dataset_revision,
                         blank_lines=config.tokenizer == "whitespace")
    min_freq = config.min_freq if config.min_freq is not None else corpus.min_freq
    tokenizer = Tokenizer.build(corpus.splits["train"], corpus.level, min_freq, config.max_vocab, config.tokenizer)
    ids = {
        split: torch.tensor(tokenizer.encode_lines(lines, corpus.eos_after_each), dtype=torch.long)
        for split, lines in corpus.splits.items()
    }
    return Prepared(corpus, tokenizer, ids)
