"""Publish a checkpoint folder to the Hugging Face Hub with a generated model
card (metadata, command, metrics, loss curve, samples at three temperatures).

    python -m lm push DIR user/repo [--private]
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from lm.checkpoints import CARD_FILE, CHECKPOINT_FILES, load_folder, read_metrics
from lm.hub.card import LOSS_CURVE_FILE, model_card
from lm.hub.loss_chart import loss_curve_svg
from lm.sampling import DEFAULT_TEMPERATURES, SamplingSettings, generate

SAMPLE_TOKENS = 120


def stage(folder: str | Path, into: str | Path, seed: int = 0) -> Path:
    """Copy the checkpoint's files into ``into`` with a fresh model card and
    loss curve; the checkpoint is loaded strictly first, so only a valid
    folder is ever published."""
    folder, into = Path(folder), Path(into)
    model, tokenizer = load_folder(folder)
    metrics = read_metrics(folder)
    settings = SamplingSettings(temperatures=DEFAULT_TEMPERATURES, max_new_tokens=SAMPLE_TOKENS, seed=seed)
    texts = generate(model, tokenizer, "", settings).texts
    into.mkdir(parents=True, exist_ok=True)
    for name in CHECKPOINT_FILES:
        if name != CARD_FILE and (folder / name).is_file():
            shutil.copyfile(folder / name, into / name)
    history = metrics.get("history", [])
    if history:
        (into / LOSS_CURVE_FILE).write_text(loss_curve_svg(history, metrics.get("best_epoch")), encoding="utf-8")
    card = model_card(metrics, dict(zip(DEFAULT_TEMPERATURES, texts)), curve=bool(history))
    (into / CARD_FILE).write_text(card, encoding="utf-8")
    return into


def push(folder: str | Path, repo_id: str, private: bool = False, token: str | None = None,
         endpoint: str | None = None) -> str:
    """Create (or reuse) ``repo_id`` and commit the staged checkpoint to it;
    returns the commit's URL."""
    from huggingface_hub import HfApi

    api = HfApi(endpoint=endpoint, token=token)
    with tempfile.TemporaryDirectory(prefix="lm-push-") as staging:
        stage(folder, staging)
        api.create_repo(repo_id, private=private, exist_ok=True)
        commit = api.upload_folder(repo_id=repo_id, folder_path=staging,
                                   commit_message=f"Upload LSTM checkpoint {Path(folder).name}")
    return str(commit)
