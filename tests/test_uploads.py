"""Training uploads are checked before anything is written."""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr
import pytest

from conftest import CHECKPOINTS


@pytest.fixture(scope="module")
def studio():
    import app

    return app


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the uploaded file is empty"),
        ("café".encode("latin-1") * 10, "is not UTF-8 text (invalid continuation byte at byte 3)"),
        (b"\x7fELF\x02\x01\x01\x00\x00" + bytes(range(256)), "looks binary (it contains NUL bytes)"),
        (b"a" * 5_000_001, "is 5,000,001 bytes; the limit is 5,000,000"),
    ],
    ids=["empty", "not-utf8", "binary", "oversize"],
)
def test_a_bad_upload_is_refused_and_nothing_is_written(studio, tmp_path, content, message):
    upload = tmp_path / "upload.txt"
    upload.write_bytes(content)
    temporary_before = set(Path(tempfile.gettempdir()).glob("lm-upload-*"))
    with pytest.raises(gr.Error, match=message.replace("(", r"\(").replace(")", r"\)")):
        next(studio.train_view(studio.UPLOAD, str(upload), "word", list(studio.APP_PRESETS)[0], 1, "upload-test"))
    assert not (CHECKPOINTS / "upload-test").exists()
    assert set(Path(tempfile.gettempdir()).glob("lm-upload-*")) == temporary_before
    assert not studio.TRAINER.busy()


def test_a_model_name_that_is_a_path_is_refused(studio, tmp_path):
    upload = tmp_path / "upload.txt"
    upload.write_text("some text\n" * 100)
    with pytest.raises(gr.Error, match="model name must be 1–40 lowercase letters"):
        next(studio.train_view(studio.UPLOAD, str(upload), "word", list(studio.APP_PRESETS)[0], 1, "../escape"))
