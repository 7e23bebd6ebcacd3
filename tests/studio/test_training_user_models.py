"""Models trained in the studio: their own folder, owned by the browser that
trained them, capped, and never half-written in the list."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import gradio as gr
import pytest

import lm
from studio.core import Studio
from studio.settings import PASTE, TRAIN_PRESETS, Settings
from studio.training.user_models import TRAINING, UserModels
from studio.tabs.train import Train
from tests.support.paths import CHECKPOINTS

ALICE, BOB = "a" * 32, "b" * 32  # two browsers' owner tokens
TINY = list(TRAIN_PRESETS)[0]
TEXT = "one two three four five six seven eight nine ten .\n" * 200


def settle(generator) -> tuple:
    """Run a Train view call to its end; its last update."""
    last = None
    for last in generator:
        pass
    return last


@pytest.fixture
def studio(tmp_path) -> Studio:
    settings = Settings.from_environment(tmp_path, environment={"LM_USER_MODELS_MAX": "2"})
    return Studio(settings)


def train(studio: Studio, name: str, owner: str) -> tuple:
    return settle(Train(studio).train_view(PASTE, None, "word", TINY, 0.25, name, TEXT, owner=owner))


@pytest.mark.slow
def test_a_trained_model_is_listed_owned_and_only_its_owner_may_replace_or_delete_it(studio, tmp_path):
    uploads_before = set(Path(tempfile.gettempdir()).glob("lm-upload-*"))
    status, *_ , yours = train(studio, "ours", ALICE)
    assert "saved **ours**" in status and yours.choices == [("ours", "ours")]
    folder = tmp_path / "runs" / "studio" / "ours"
    assert lm.load(folder)[0] is not None and "ours" in studio.catalog.names()
    assert not (tmp_path / "checkpoints" / "ours").exists() and not (CHECKPOINTS / "ours").exists()
    assert set(Path(tempfile.gettempdir()).glob("lm-upload-*")) == uploads_before  # the pasted text is gone
    assert list((tmp_path / "runs" / "studio" / TRAINING).iterdir()) == []

    with pytest.raises(gr.Error, match="'ours' already exists and was trained in another browser"):
        train(studio, "ours", BOB)
    with pytest.raises(gr.Error, match="only its owner may delete it"):
        Train(studio).delete_model("ours", BOB)
    assert Train(studio).your_models(BOB).choices == []

    status, *_ = train(studio, "ours", ALICE)  # the owner replaces it
    assert "saved **ours**" in status and studio.user_models.owned(ALICE) == ["ours"]
    message, *_ = Train(studio).delete_model("ours", ALICE)
    assert message == "deleted **ours**" and not folder.exists() and "ours" not in studio.catalog.names()


def test_shipped_names_and_the_caps_are_refused_with_the_limit(studio, tmp_path, tiny_model, word_tokenizer):
    lm.save(tmp_path / "checkpoints" / "shipped-one", tiny_model, word_tokenizer)
    with pytest.raises(gr.Error, match="'shipped-one' is a shipped model"):
        train(studio, "shipped-one", ALICE)
    models = studio.user_models
    for name in ("first", "second"):
        staging = models.staging_folder(name)
        lm.save(staging, tiny_model, word_tokenizer)
        models.publish(staging, name, ALICE)
    with pytest.raises(gr.Error, match="holds 2 trained models, its limit \\(LM_USER_MODELS_MAX\\)"):
        train(studio, "third", ALICE)
    small = UserModels(models.root, max_bytes=1_000)
    with pytest.raises(ValueError, match=r"trained models take 0\.\d MB, the studio's limit is 0 MB"):
        small.check_claim("third", ALICE)


def test_a_name_taken_meanwhile_keeps_the_run_under_a_free_name(tmp_path, tiny_model, word_tokenizer):
    models = UserModels(tmp_path)
    for owner in (ALICE, BOB, BOB):
        staging = models.staging_folder("poem")
        lm.save(staging, tiny_model, word_tokenizer)
        models.publish(staging, "poem", owner)
    assert models.owned(ALICE) == ["poem"] and models.owned(BOB) == ["poem-2"]
    assert models.names() == ["poem", "poem-2"]


@pytest.mark.slow
def test_a_killed_run_leaves_nothing_listed_and_leftovers_are_skipped_with_a_note(studio, tmp_path, caplog):
    updates = Train(studio).train_view(PASTE, None, "word", TINY, 1, "doomed", TEXT, owner=ALICE)
    for status, *_ in updates:
        if status.startswith("epoch"):  # training steps are under way
            studio.trainer.current.process.kill()  # as the kernel does when memory runs out
            break
    with pytest.raises(gr.Error, match="training failed: the training process was killed"):
        list(updates)
    assert "doomed" not in studio.catalog.names()
    assert list((tmp_path / "runs" / "studio" / TRAINING).iterdir()) == []

    leftover = tmp_path / "runs" / "studio" / TRAINING / "half-done-1234"
    leftover.mkdir()
    (leftover / "config.json").write_text("{")
    with caplog.at_level(logging.WARNING):
        restarted = Studio(studio.settings)
    assert "half-done-1234 is an incomplete training run left by an earlier server" in caplog.text
    assert not leftover.exists() and "half-done-1234" not in restarted.catalog.names()


@pytest.mark.slow
def test_a_page_that_goes_away_gives_up_its_place_in_the_queue(studio):
    first = Train(studio).train_view(PASTE, None, "word", TINY, 1, "first", TEXT, owner=ALICE)
    next(first)
    second = Train(studio).train_view(PASTE, None, "word", TINY, 1, "second", TEXT, owner=BOB)
    status, *_ = next(second)
    assert status.startswith("waiting: place **1** in the queue · training now: **first**")
    assert "yours is expected to start in" in status
    second.close()  # the tab was closed
    assert [job.name for job in studio.trainer.jobs()] == ["first"]
    assert Train(studio).stop_training(ALICE).startswith("stopping")
    settle(first)
