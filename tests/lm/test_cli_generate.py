"""``python -m lm generate`` as a subprocess."""

import subprocess
import sys

import pytest

import lm
from tests.support.paths import CHECKPOINTS, REPO

pytestmark = pytest.mark.slow


def test_generate_cli_prints_one_labelled_sample_per_temperature(tmp_path, tiny_model, word_tokenizer):
    lm.save(tmp_path, tiny_model, word_tokenizer)
    result = subprocess.run(
        [sys.executable, "-m", "lm", "generate", str(tmp_path), "--prompt", "the cat", "--temperatures", "0.5", "1.5",
         "--max-new-tokens", "5", "--seed", "2"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "=== temperature 0.5" in result.stdout and "=== temperature 1.5" in result.stdout
    bad = subprocess.run([sys.executable, "-m", "lm", "generate", str(tmp_path), "--temperatures", "7"],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and "temperature must be in [0, 5], got 7.0" in bad.stderr


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--prompt", "x" * 100_000], "is 100,000 characters long; the limit is 20,000"),
        (["--prompt", "ROMEO", "--temperatures", "nan"], "temperature must be in [0, 5], got nan"),
        (["--prompt", "ROMEO", "--max-new-tokens", "0"], "max_new_tokens must be an integer in [1, 2000], got 0"),
    ],
)
def test_the_generate_cli_refuses_bad_input_with_a_message(arguments, message):


    result = subprocess.run([sys.executable, "-m", "lm", "generate", str(CHECKPOINTS / "tiny-shakespeare"), *arguments],
                            cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_the_generate_cli_handles_control_characters_and_emoji():


    result = subprocess.run([sys.executable, "-m", "lm", "generate", str(CHECKPOINTS / "tiny-shakespeare"), "--prompt",
                             "RO\x07MEO 🌹:", "--max-new-tokens", "20"], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "ROMEO" in result.stdout
