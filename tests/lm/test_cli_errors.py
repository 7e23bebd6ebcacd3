"""Every error a user can cause on the command line: one clear line, no
traceback, a non-zero exit."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.support.paths import CHECKPOINTS, REPO

pytestmark = pytest.mark.slow


def run(*arguments: str, **environment: str) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, *arguments], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", **environment})


@pytest.fixture
def binary_file(tmp_path):
    path = tmp_path / "program"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)))
    return path


@pytest.mark.parametrize(
    "command, message",
    [
        (["train.py", "--text-file", "BINARY", "--level", "char", "--epochs", "1", "--out", "OUT"],
         "looks binary (it contains NUL bytes)"),
        (["train.py", "--text-file", "MISSING", "--epochs", "1", "--out", "OUT"], "does not exist"),
        (["-m", "lm", "evaluate", "checkpoints/nope"], "no checkpoint folder at checkpoints/nope"),
        (["-m", "lm", "evaluate", "./nope"], "no checkpoint folder at ./nope"),
        (["-m", "lm", "evaluate", str(CHECKPOINTS / "tiny-shakespeare"), "--text-file", "BINARY"], "looks binary"),
        (["-m", "lm", "evaluate", str(CHECKPOINTS / "human-numbers"), "--max-tokens", "0"],
         "--max-tokens must be at least 1, got 0"),
        (["-m", "lm", "generate", "checkpoints/nope"], "no checkpoint folder at checkpoints/nope"),
        (["-m", "lm", "push", "./nope", "user/repo"], "no checkpoint folder at nope"),
        (["-m", "lm", "novelty", "./nope"], "no checkpoint folder at ./nope"),
    ],
)
def test_a_user_error_is_one_line_and_a_non_zero_exit(tmp_path, binary_file, command, message):
    command = [part.replace("BINARY", str(binary_file)).replace("MISSING", str(tmp_path / "missing.txt"))
               .replace("OUT", str(tmp_path / "out")) for part in command]
    result = run(*command)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr, result.stderr


def test_a_name_that_could_be_a_folder_or_a_repo_gets_both_explanations():
    result = run("-m", "lm", "generate", "checkpoints/nope")
    assert "checkpoints holds" in result.stderr and "as a Hub repo id:" in result.stderr
