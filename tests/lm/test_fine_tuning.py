"""Fine-tuning: start from a checkpoint's weights and vocabulary."""

import pytest

import lm
from lm.training.planning import plan_run
from lm.scoring import evaluate
from lm.training.run import prepare
from lm.training import train
from tests.support.paths import CHECKPOINTS, REPO

EPOCHS = 2  # the same passes for both runs: a fixed amount of training, whatever the processor's speed


@pytest.fixture
def english(tmp_path):
    """A small English text of our own, the project's documentation, in the
    characters Tiny Shakespeare has (so every model is scored on the same
    targets, none of them <unk>): a folder whose valid and test splits are
    every tenth paragraph, so they read like the training text whatever
    the documents end with (a table of figures, say)."""
    _, tokenizer = lm.load(CHECKPOINTS / "tiny-shakespeare")
    names = ["README.md", "CHANGELOG.md", *sorted(path.relative_to(REPO) for path in (REPO / "docs").glob("*.md"))]
    text = "".join((REPO / name).read_text(encoding="utf-8") for name in names)
    paragraphs = "".join(character for character in text if character in tokenizer.index).split("\n\n")
    splits = {"train": [], "valid": [], "test": []}
    for index, paragraph in enumerate(paragraphs):
        splits[{4: "valid", 9: "test"}.get(index % 10, "train")].append(paragraph)
    folder = tmp_path / "english"
    folder.mkdir()
    for split, kept in splits.items():
        (folder / f"{split}.txt").write_text("\n\n".join(kept), encoding="utf-8")
    return folder


@pytest.mark.slow
def test_fine_tuning_beats_the_parent_and_a_model_trained_from_scratch_as_long(tmp_path, english):
    parent = str(CHECKPOINTS / "tiny-shakespeare")
    tuned_plan = plan_run({"init_from": parent, "text_file": str(english), "epochs": EPOCHS})
    assert tuned_plan.config.level == "char" and tuned_plan.config.hidden_size == 512
    assert tuned_plan.config.learning_rate == 3e-3 and tuned_plan.config.warmup_steps == 20
    prepared = prepare(tuned_plan.config)
    assert prepared.tokenizer == lm.load(parent)[1]  # the parent's vocabulary, unchanged
    tuned = train(tuned_plan.config, tmp_path / "tuned", prepared=prepared)
    scratch_plan = plan_run({"text_file": str(english), "level": "char", "epochs": EPOCHS})
    train(scratch_plan.config, tmp_path / "scratch")
    valid = prepared.ids["valid"]
    losses = {name: evaluate(lm.load(folder)[0], valid)["loss"]
              for name, folder in (("parent", parent), ("tuned", tmp_path / "tuned"))}
    scratch_model, scratch_tokenizer = lm.load(tmp_path / "scratch")
    text = "".join(prepare(scratch_plan.config).corpus.splits["valid"])
    losses["scratch"] = evaluate(scratch_model, scratch_tokenizer.encode(text))["loss"]
    assert losses["tuned"] < losses["parent"] and losses["tuned"] < losses["scratch"], losses
    assert tuned["config"]["init_from"] == parent
    assert f"Fine-tuned from `{parent}`" in (tmp_path / "tuned" / "README.md").read_text()


def test_a_shape_or_tokenizer_other_than_the_parents_is_refused(english):
    parent = str(CHECKPOINTS / "tiny-shakespeare")
    with pytest.raises(ValueError, match=r"drop --hidden-size 64 \(it has 512\), --level word \(it has char\)"):
        plan_run({"init_from": parent, "text_file": str(english), "hidden_size": 64, "level": "word"})


def test_text_outside_the_vocabulary_becomes_unk_and_is_counted(tmp_path):
    path = tmp_path / "emoji.txt"
    path.write_text("To be 🌹 or not to be ☕\n" * 200)
    plan = plan_run({"init_from": str(CHECKPOINTS / "tiny-shakespeare"), "text_file": str(path), "epochs": 1})
    prepared = prepare(plan.config)
    train_text = "".join(prepared.corpus.splits["train"])
    assert prepared.unknown_tokens == train_text.count("🌹") + train_text.count("☕") > 0
