"""Training uploads are checked before anything is written: by the Train form
(``studio.forms``) and, through it, by the Train view's callback."""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr
import pytest

from studio import forms
from studio.core import Studio
from studio.settings import TRAIN_PRESETS, UPLOAD, Settings
from studio.tabs.train import Train
from tests.support.paths import CHECKPOINTS, REPO

BAD_UPLOADS = pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the uploaded file is empty"),
        ("café".encode("latin-1") * 10, "is not UTF-8 text (invalid continuation byte at byte 3)"),
        (b"\x7fELF\x02\x01\x01\x00\x00" + bytes(range(256)), "looks binary (it contains NUL bytes)"),
        (b"a" * 5_000_001, "is 5,000,001 bytes; the limit is 5,000,000"),
    ],
    ids=["empty", "not-utf8", "binary", "oversize"],
)
PRESET = list(TRAIN_PRESETS)[0]
OWNER = "a" * 32  # a browser's owner token


def pattern(message: str) -> str:
    return message.replace("(", r"\(").replace(")", r"\)")


def temporary_uploads() -> set[Path]:
    return set(Path(tempfile.gettempdir()).glob("lm-upload-*"))


@pytest.fixture
def settings() -> Settings:
    return Settings.from_environment(REPO, environment={})


@pytest.fixture
def studio(tmp_path) -> Studio:
    """A studio over an empty folder: nothing it writes can reach the shipped checkpoints."""
    return Studio(Settings.from_environment(tmp_path, environment={}))


@BAD_UPLOADS
def test_a_bad_upload_is_refused_and_nothing_is_written(settings, tmp_path, content, message):
    upload = tmp_path / "upload.txt"
    upload.write_bytes(content)
    temporary_before = temporary_uploads()
    with pytest.raises(ValueError, match=pattern(message)):
        forms.read_upload(str(upload))
    with pytest.raises(ValueError, match=pattern(message)):
        forms.train_request(UPLOAD, str(upload), "word", PRESET, 1, "upload-test", settings)
    assert not (CHECKPOINTS / "upload-test").exists()
    assert temporary_uploads() == temporary_before


@BAD_UPLOADS
def test_the_train_view_reports_a_bad_upload_and_starts_nothing(studio, tmp_path, content, message):
    upload = tmp_path / "upload.txt"
    upload.write_bytes(content)
    temporary_before = temporary_uploads()
    with pytest.raises(gr.Error, match=pattern(message)):
        next(Train(studio).train_view(UPLOAD, str(upload), "word", PRESET, 1, "upload-test", owner=OWNER))
    assert not (studio.catalog.root / "upload-test").exists()
    assert not (studio.settings.user_models / "upload-test").exists()
    assert temporary_uploads() == temporary_before
    assert not studio.trainer.busy()


def test_a_model_name_that_is_a_path_is_refused(settings, studio, tmp_path):
    upload = tmp_path / "upload.txt"
    upload.write_text("some text\n" * 100)
    with pytest.raises(ValueError, match="model name must be 1–40 lowercase letters"):
        forms.check_model_name("../escape")
    with pytest.raises(ValueError, match="model name must be 1–40 lowercase letters"):
        forms.train_request(UPLOAD, str(upload), "word", PRESET, 1, "../escape", settings)
    with pytest.raises(gr.Error, match="model name must be 1–40 lowercase letters"):
        next(Train(studio).train_view(UPLOAD, str(upload), "word", PRESET, 1, "../escape", owner=OWNER))
