"""Word level as published corpora count it: ``--tokenizer whitespace``."""

import json
import subprocess
import sys

import pytest

import lm
from lm.training.config import config_from
from lm.training.run import prepare
from tests.support.paths import REPO

TRAIN = """ = Valkyria Chronicles III = 

 Senjō no Valkyria 3 : <unk> Chronicles ( Japanese : 戦場のヴァルキュリア3 ) , commonly referred to as Valkyria .
 The game began development in 2010 , carrying over a large portion of the work .

 It met with positive sales in Japan , and was praised by both Japanese and western critics .
"""
VALID = " The game 's battle system , the BliTZ system , is carried over .\n\n Troops are divided into five classes .\n"


def write_folder(folder):
    folder.mkdir()
    for split, text in (("train", TRAIN * 20), ("valid", VALID * 5), ("test", VALID * 5)):
        (folder / f"{split}.txt").write_text(text, encoding="utf-8")
    return folder


def pytorch_example_count(path) -> int:
    """How the PyTorch word-language-model example counts a file's tokens."""
    with open(path, encoding="utf-8") as file:
        return sum(len(line.split() + ["<eos>"]) for line in file)


def test_token_counts_equal_the_pytorch_examples_way_of_counting(tmp_path):
    folder = write_folder(tmp_path / "wiki")
    prepared = prepare(config_from(None, corpus=None, text_file=str(folder), level="word", tokenizer="whitespace"))
    for split in ("train", "valid", "test"):
        assert prepared.ids[split].numel() == pytorch_example_count(folder / f"{split}.txt"), split
    tokens = set(prepared.tokenizer.tokens)
    assert {"Valkyria", "Japanese", "(", "2010", "戦場のヴァルキュリア3"} <= tokens  # case and symbols kept
    assert "valkyria" not in tokens
    basic = prepare(config_from(None, corpus=None, text_file=str(folder), level="word"))
    assert basic.ids["train"].numel() != prepared.ids["train"].numel()  # the default counts differently


@pytest.mark.slow
def test_a_whitespace_model_keeps_its_rule_through_training_sampling_and_scoring(tmp_path):
    folder = write_folder(tmp_path / "wiki")
    out = tmp_path / "model"
    result = subprocess.run([sys.executable, "train.py", "--text-file", str(folder), "--level", "word", "--tokenizer",
                             "whitespace", "--epochs", "1", "--hidden-size", "16", "--embedding-size", "8",
                             "--batch-size", "4", "--bptt", "8", "--out", str(out)],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "vocab.json").read_text())["rule"] == "whitespace"
    model, tokenizer = lm.load(out)
    assert tokenizer.rule == "whitespace" and tokenizer.encode("The game") == [tokenizer.index["The"],
                                                                              tokenizer.index["game"]]
    assert lm.score(model, tokenizer, "The game began").pieces == ["The", "game", "began"]
    text = lm.generate(model, tokenizer, "The game", temperatures=[1.0], max_new_tokens=10).texts[0]
    assert text.startswith("The game")
