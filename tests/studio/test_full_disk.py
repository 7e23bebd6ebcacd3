"""A full disk (simulated: every file capped at a few kilobytes with
``RLIMIT_FSIZE``, inherited by every child): the studio starts and serves
the shipped models; a training run that cannot save fails with the file and
the problem named, leaves nothing listed, and sampling goes on."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from gradio_client import Client

from tests.support.paths import REPO
from tests.support.studio_server import file_size_limit, running_studio

pytestmark = pytest.mark.slow

LIMIT = 64_000  # bytes per file: the shipped models read fine, a trained model cannot be written

TRAIN_UNDER_A_FULL_DISK = """
import json, sys
from pathlib import Path
import gradio as gr
from studio.core import Studio
from studio.settings import PASTE, TRAIN_PRESETS, Settings
from studio.tabs.train import Train
from studio.tabs.generate import Generate

settings = Settings.from_environment(Path.cwd(), environment={"LM_USER_MODELS": sys.argv[1]})
studio = Studio(settings)
try:
    for _ in Train(studio).train_view(PASTE, None, "word", list(TRAIN_PRESETS)[1], 0.25, "too-big",
                                        "one two three four five .\\n" * 400, owner="a" * 32):
        pass
    error = None
except gr.Error as raised:
    error = raised.message
texts = list(Generate(studio).api_generate("human-numbers", "one . two .", [1.0], 20))[-1]
print(json.dumps({"error": error, "texts": texts, "names": studio.catalog.names()}))
"""


def test_the_studio_starts_and_serves_when_no_file_can_grow(tmp_path):
    with running_studio(max_file_bytes=LIMIT, LM_USER_MODELS=str(tmp_path / "models")) as (url, _):
        texts = Client(url, verbose=False).predict(model="tiny-shakespeare", prompt="ROMEO:", temperatures=[0.8],
                                                   max_new_tokens=20, api_name="/generate")
    assert texts[0].startswith("ROMEO:") and len(texts[0]) > len("ROMEO:")


def test_a_run_that_cannot_save_names_the_file_and_the_studio_keeps_sampling(tmp_path):
    models = tmp_path / "models"
    finished = subprocess.run([sys.executable, "-c", TRAIN_UNDER_A_FULL_DISK, str(models)], cwd=REPO,
                              capture_output=True, text=True, timeout=240, preexec_fn=file_size_limit(LIMIT))
    assert finished.returncode == 0, finished.stderr[-2000:]
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    assert result["error"].startswith("training failed: ") and "File too large" in result["error"]
    assert str(models / ".training") in result["error"]  # the file is named
    assert "training run too-big failed" in finished.stderr and "File too large" in finished.stderr
    assert result["texts"][0].startswith("one. two.") and "too-big" not in result["names"]
    assert list((models / ".training").iterdir()) == []
