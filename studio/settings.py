"""What the studio is set to: capacities read from the environment when the
studio is built (never at import), where its models live, and the fixed
choices the page offers (example prompts per corpus, the Train view's model
sizes and corpora, defaults)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lm.corpora import local_tiny_shakespeare
from lm.sampling import MAX_TEMPERATURES

SHIPPED_MODELS = ("tiny-shakespeare", "tiny-shakespeare-words", "human-numbers")  # offered first; the Train view may not overwrite them
PAGE_TEMPERATURES = "0.5, 0.8, 1.0, 1.3"  # the page's first comparison
MAX_COLUMNS = MAX_TEMPERATURES  # one column per temperature
INT8_DEFAULT = True  # measured by bench/sampling.py --checkpoints: see README
EXAMPLES = {
    "tiny-shakespeare": ["ROMEO:\n", "First Citizen:\nBefore we proceed", "KING HENRY VI:\nO God", "To be, or not"],
    "human-numbers": ["one . two . three .", "eight thousand one . eight thousand two .", "nine hundred ninety nine ."],
    "cnn-dailymail": ["the president said", "police say"],
    "imdb": ["this movie was", "i have never seen"],
    "harry-potter": ["harry looked at", "professor dumbledore"],
}
FALLBACK_EXAMPLES = ["", "the"]  # for a model whose corpus has no examples
TRAIN_PRESETS = {
    "tiny (1 × 128, fast)": dict(embedding_size=32, hidden_size=128, num_layers=1, dropout=0.1, batch_size=32, bptt=64,
                                 learning_rate=3e-3, schedule="cosine", warmup_steps=20, epochs=1000),
    "small (2 × 256)": dict(embedding_size=64, hidden_size=256, num_layers=2, dropout=0.2, batch_size=32, bptt=64,
                            learning_rate=3e-3, schedule="cosine", warmup_steps=50, epochs=1000),
}
UPLOAD = "Upload a .txt file"  # the Train view's corpus choice for the user's own text
PASTE = "Paste your text"  # the Train view's corpus choice for a text typed or pasted in the page
AUTOMATIC = "automatic for this budget"  # the Train view's default size: the trainer's own pick
SCRATCH = "scratch"  # the Train view's "start from" when not fine-tuning
TRAIN_SNAPSHOTS = "0.1,0.25,0.5,final"  # what a run in the Train view keeps for its time-lapse


def corpus_choices() -> dict[str, tuple[str, str | None]]:
    """The Train view's named corpora: label -> (corpus, local text file).
    Tiny Shakespeare is offered only when a local copy exists."""
    choices: dict[str, tuple[str, str | None]] = {"Human Numbers": ("human-numbers", None)}
    shakespeare = local_tiny_shakespeare()
    if shakespeare:
        choices["Tiny Shakespeare (local copy)"] = ("tiny-shakespeare", str(shakespeare))
    return choices


@dataclass(frozen=True)
class Settings:
    """Capacities and places, set for a classroom server; ``from_environment``
    lets the environment change them."""

    checkpoints: Path  # shipped models: one checkpoint folder each
    hub_models_file: Path  # models.json: the Hub models offered beside them
    scenes_file: Path = Path("scenes.toml")  # the presenter's scenes
    user_models: Path = Path("runs/studio")  # models trained in the studio (see studio.user_models)
    user_models_max: int = 50  # trained models at most
    user_models_max_bytes: int = 2_000_000_000  # their total size at most
    generation_seconds: float = 60.0  # hard cap per request; what was drawn is returned
    sampling_concurrency: int = 4  # generations running at once
    queue_size: int = 64  # waiting requests beyond this get a clean "queue full"
    stream_interval: float = 0.08  # seconds between page updates while sampling
    api_interval: float = 0.25  # seconds between partial results of /generate (each lets a cancel land)
    max_upload_bytes: int = 5_000_000
    train_minutes: float = 10  # the Train view's longest time budget
    train_queue: int = 4  # runs waiting behind the current one at most
    train_threads: int = 1  # threads of a training process: the rest of the machine keeps sampling
    max_loaded_models: int = 8  # models kept in memory besides the shipped ones (pinned); least recently used dropped
    step_sessions: int = 200  # live step-mode samplers at most; the least recently used is dropped
    step_idle_minutes: float = 30.0  # a step-mode sampler idle this long is freed
    corpora: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)  # see corpus_choices

    @classmethod
    def from_environment(cls, root: str | Path, environment: Mapping[str, str] | None = None) -> "Settings":
        """Settings for a studio whose ``checkpoints/`` and ``models.json``
        sit in ``root`` and whose trained models go to ``root/runs/studio``;
        ``LM_HUB_MODELS``, ``LM_SCENES``, ``LM_USER_MODELS``,
        ``LM_USER_MODELS_MAX``, ``LM_USER_MODELS_MAX_MB``,
        ``LM_GENERATION_SECONDS``, ``LM_SAMPLING_CONCURRENCY``,
        ``LM_QUEUE_SIZE``, ``LM_MAX_LOADED_MODELS``, ``LM_STEP_SESSIONS``,
        ``LM_TRAIN_QUEUE`` and ``LM_TRAIN_THREADS`` override."""
        environment = os.environ if environment is None else environment
        root = Path(root)
        return cls(
            checkpoints=root / "checkpoints",
            hub_models_file=Path(environment.get("LM_HUB_MODELS") or root / "models.json"),
            scenes_file=Path(environment.get("LM_SCENES") or root / "scenes.toml"),
            user_models=Path(environment.get("LM_USER_MODELS") or root / "runs" / "studio"),
            user_models_max=int(environment.get("LM_USER_MODELS_MAX", 50)),
            user_models_max_bytes=int(float(environment.get("LM_USER_MODELS_MAX_MB", 2000)) * 1_000_000),
            train_queue=int(environment.get("LM_TRAIN_QUEUE", 4)),
            train_threads=int(environment.get("LM_TRAIN_THREADS") or max(1, (os.cpu_count() or 2) - 1)),
            generation_seconds=float(environment.get("LM_GENERATION_SECONDS", 60)),
            sampling_concurrency=int(environment.get("LM_SAMPLING_CONCURRENCY", 4)),
            queue_size=int(environment.get("LM_QUEUE_SIZE", 64)),
            max_loaded_models=int(environment.get("LM_MAX_LOADED_MODELS", 8)),
            step_sessions=int(environment.get("LM_STEP_SESSIONS", 200)),
            corpora=corpus_choices(),
        )
