"""What a training run is set to: ``TrainConfig``, the presets, and
``config_from`` (defaults, then a preset, then overrides). Which config a
command gets (a preset, a budget pick, fine-tuning, an interrupted run's own
settings) is ``lm.training.planning``'s.

``train.py`` derives every flag and its help text from ``TrainConfig``'s
fields; the model's shape goes to ``ModelConfig`` through
``TrainConfig.model_config``, the one place that converts it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from lm.corpora import CORPORA
from lm.model import ModelConfig
from lm.runtime import DEVICES
from lm.tokenizer import RULES
from lm.training.regularization import Regularization
from lm.training.snapshots import parse_snapshots

SCHEDULES = ("plateau", "cosine", "one-cycle", "constant")
OPTIMIZERS = ("adamw", "nt-asgd")
PRECISIONS = ("auto", "bf16", "fp32")
MODEL_FIELDS = ("embedding_size", "hidden_size", "num_layers", "dropout", "tie_weights")


def _option(default, help: str, **extra):
    return field(default=default, metadata={"help": help, **extra})


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run. Each field's help is the help
    text of its ``train.py`` flag."""

    corpus: str | None = _option("human-numbers", "named corpus; omit (with --text-file) to train on your own text")
    text_file: str | None = _option(None, "local text file, or folder with train.txt/valid.txt/test.txt, or a local copy of the corpus")
    init_from: str | None = _option(None, "fine-tune: start from this checkpoint's weights and vocabulary (a folder or user/repo@rev); its shape and tokenizer are kept, text outside its vocabulary becomes <unk>")
    dataset_revision: str | None = _option(None, "Hub dataset revision (branch, tag or commit) to pin a Hub corpus to")
    level: str | None = _option(None, "tokenization: 'char' or 'word' (default: the corpus's own)", choices=("char", "word"))
    tokenizer: str | None = _option(None, "word level: 'cased' (words and punctuation as written, capitals and colons kept; line breaks are tokens and <eos> ends a speech or paragraph: the default for Tiny Shakespeare and your own text), 'basic_english' (lower-cased, punctuation split, as the seeds; the default for their corpora and Human Numbers) or 'whitespace' (the corpus's own tokens, case kept, <eos> at every line end, blank lines too: figures comparable with published WikiText-2 / Penn Treebank ones)", choices=RULES)
    min_freq: int | None = _option(None, "keep words seen at least this often in train (default: the corpus's own)")
    max_vocab: int | None = _option(None, "cap the vocabulary at this many tokens, specials included")
    embedding_size: int = _option(64, "width of the token embedding")
    hidden_size: int = _option(256, "width of each LSTM layer")
    num_layers: int = _option(2, "number of stacked LSTM layers")
    dropout: float = _option(0.2, "dropout on embeddings, between layers and on the output (with --locked-dropout: on the output)")
    locked_dropout: bool = _option(False, "variational dropout: one mask per sequence, shared across time (AWD-LSTM)")
    input_dropout: float | None = _option(None, "dropout on the embeddings fed to the LSTM (default: --dropout)")
    hidden_dropout: float | None = _option(None, "dropout between LSTM layers (default: --dropout)")
    embedding_dropout: float = _option(0.0, "drop whole words from the embedding matrix (AWD-LSTM dropoute)")
    weight_drop: float = _option(0.0, "DropConnect on the hidden-to-hidden weights (AWD-LSTM wdrop)")
    ar_alpha: float = _option(0.0, "activation regularisation: alpha * mean(output^2)")
    tar_beta: float = _option(0.0, "temporal activation regularisation: beta * mean((h[t+1] - h[t])^2)")
    tie_weights: bool = _option(False, "share the embedding matrix with the output layer")
    unknown_word_rate: float = _option(0.0, "show each training occurrence of a word seen only once as <unk> with this probability, so the model learns how likely an unseen word is")
    batch_size: int = _option(64, "parallel rows the training stream is cut into")
    bptt: int = _option(64, "steps per truncated-backprop window")
    fresh_state_rate: float = _option(0.0, "the share of training windows that start from a zero state, as sampling from a prompt does, instead of the state carried from the window before (1: every window)")
    variable_bptt: bool = _option(False, "draw each window's length around --bptt (AWD-LSTM), learning rate scaled to it")
    optimizer: str = _option("adamw", "AdamW, or SGD switching to averaged SGD when valid stalls (NT-ASGD)", choices=OPTIMIZERS)
    nonmono: int = _option(5, "NT-ASGD: epochs without beating the best of the earlier ones before averaging starts")
    learning_rate: float = _option(3e-3, "peak learning rate")
    weight_decay: float = _option(0.01, "AdamW weight decay")
    schedule: str = _option("plateau", "learning-rate schedule: halve on a valid plateau, warm-up then cosine to the end, one-cycle, or constant", choices=SCHEDULES)
    warmup_steps: int = _option(0, "linear warm-up steps (cosine schedule)")
    clip: float = _option(0.25, "clip the gradient norm to this")
    epochs: int = _option(10, "passes over the training stream")
    snapshots: str | None = _option(None, "keep half-precision snapshots of the weights for a time-lapse: after these epochs ('1,2,5,10,final') or, with --max-minutes, these shares of the budget ('0.05,0.2,0.5,final')")
    max_minutes: float | None = _option(None, "stop training after this many minutes of wall-clock time")
    eval_batch_size: int = _option(10, "parallel rows when scoring valid and test")
    seed: int = _option(0, "random seed")
    device: str = _option("auto", "auto, cpu, cuda or mps", choices=DEVICES)
    precision: str = _option("auto", "matrix products in bf16 (autocast; weights stay fp32) or fp32; auto: bf16 on CUDA and on CPUs with native bf16", choices=PRECISIONS)

    def __post_init__(self) -> None:
        for name in ("batch_size", "bptt", "epochs", "eval_batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        self.model_config(vocab_size=1)  # checks the model's shape the one way ModelConfig does
        for name, value in (("warmup_steps", self.warmup_steps), ("nonmono", self.nonmono),
                            ("weight_decay", self.weight_decay)):
            if value < 0:
                raise ValueError(f"{name} must be at least 0, got {value}")
        for name in ("unknown_word_rate", "fresh_state_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")
        for name in ("learning_rate", "clip"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        for name, allowed in (("schedule", SCHEDULES), ("precision", PRECISIONS), ("optimizer", OPTIMIZERS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        self.regularization()  # checks the rates
        if self.max_minutes is not None and not self.max_minutes > 0:
            raise ValueError(f"max_minutes must be positive, got {self.max_minutes}")
        points, _ = parse_snapshots(self.snapshots)
        if points and points[0] < 1 and self.max_minutes is None:
            raise ValueError(f"snapshots at shares of the budget ({self.snapshots}) need --max-minutes")
        if self.corpus is None and self.text_file is None:
            raise ValueError("give a corpus name or a text file")
        if self.corpus is not None and self.corpus not in CORPORA:
            raise ValueError(f"unknown corpus {self.corpus!r}; known corpora are {sorted(CORPORA)}")

    def model_config(self, vocab_size: int) -> ModelConfig:
        """The shape of the model this run trains, for a vocabulary of ``vocab_size``."""
        return ModelConfig(vocab_size, **{name: getattr(self, name) for name in MODEL_FIELDS})

    def regularization(self) -> Regularization | None:
        """The AWD-LSTM settings, or None when plain dropout is all that is asked."""
        awd = (self.locked_dropout, self.input_dropout is not None, self.hidden_dropout is not None,
               self.embedding_dropout, self.weight_drop, self.ar_alpha, self.tar_beta)
        if not any(awd):
            return None
        return Regularization(
            embedding_dropout=self.embedding_dropout,
            input_dropout=self.dropout if self.input_dropout is None else self.input_dropout,
            hidden_dropout=self.dropout if self.hidden_dropout is None else self.hidden_dropout,
            output_dropout=self.dropout, weight_drop=self.weight_drop, locked=self.locked_dropout,
            alpha=self.ar_alpha, beta=self.tar_beta,
        )


CONFIG_FIELDS = {item.name for item in fields(TrainConfig)}
# Fine-tuning starts from weights that already know a language: smaller steps, a short warm-up.
FINE_TUNING = dict(learning_rate=3e-3, schedule="cosine", warmup_steps=20)  # half the budget pick's rate

# Each preset reproduces one reference system (or, for the two shipped models,
# the settings that produced them).
PRESETS: dict[str, dict] = {
    "human-numbers": dict(
        corpus="human-numbers", embedding_size=32, hidden_size=256, num_layers=1, dropout=0.1,
        tie_weights=True, batch_size=16, bptt=64, learning_rate=3e-3, weight_decay=0.1,
        schedule="cosine", warmup_steps=100, epochs=100,
    ),
    "tiny-shakespeare": dict(
        corpus="tiny-shakespeare", embedding_size=64, hidden_size=512, num_layers=2, dropout=0.3,
        batch_size=64, bptt=128, learning_rate=2e-3, weight_decay=0.01, schedule="cosine",
        warmup_steps=100, epochs=100, clip=1.0,
    ),
    "cnn-dailymail": dict(
        corpus="cnn-dailymail", min_freq=3, embedding_size=512, hidden_size=512, num_layers=3, dropout=0.65,
        batch_size=128, bptt=50, learning_rate=1e-3, weight_decay=0.0, schedule="plateau", clip=0.25, epochs=20,
    ),
    "imdb": dict(
        corpus="imdb", min_freq=6, embedding_size=300, hidden_size=256, num_layers=1, dropout=0.0,
        batch_size=32, bptt=256, learning_rate=1e-3, weight_decay=0.0, schedule="constant", clip=1.0, epochs=10,
    ),
    "harry-potter": dict(
        corpus="harry-potter", min_freq=3, embedding_size=1024, hidden_size=1024, num_layers=2, dropout=0.65,
        batch_size=128, bptt=50, learning_rate=1e-3, weight_decay=0.0, schedule="plateau", clip=0.25, epochs=50,
    ),
}


def config_from(preset: str | None = None, **overrides) -> TrainConfig:
    """Defaults, then the preset's values, then explicit overrides."""
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; presets are {sorted(PRESETS)}")
    unknown = set(overrides) - CONFIG_FIELDS
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}")
    return TrainConfig(**{**(PRESETS[preset] if preset else {}), **overrides})
