import numpy
import pytest

import lm
from lm.training.config import config_from
from lm.lesson.novelty import INDEX_FILE, NgramIndex, false_positive_rate, ngram_hashes
from lm.sampling import SamplingSettings
from lm.training import train

VERSE = ("shall i compare thee to a summer's day ? thou art more lovely and more temperate . rough winds do shake "
         "the darling buds of may , and summer's lease hath all too short a date .")


def test_every_training_ngram_is_found_and_unseen_ones_rarely():
    generator = numpy.random.default_rng(0)
    ids = generator.integers(2, 60, size=20_000)
    index = NgramIndex.build(ids, 6)
    assert index.contains(ngram_hashes(ids, 6)).all()  # no false negatives
    rate = false_positive_rate(index, ids, list(range(2, 60)), samples=50_000)
    assert rate < 0.01
    assert index.copied(list(ids[100:130])) == [True] * 30
    assert not any(index.copied([1, 1, 1, 1, 1, 1, 1, 1]))


def test_the_index_holds_bits_not_text_and_round_trips(tmp_path):
    ids = list(range(2, 500))
    index = NgramIndex.build(ids, 4)
    index.save(tmp_path)
    loaded = NgramIndex.load(tmp_path)
    assert loaded.length == 4 and loaded.ngrams == index.ngrams and (loaded.bits == index.bits).all()
    assert NgramIndex.load(tmp_path / "nowhere") is None


@pytest.mark.slow
def test_a_model_that_memorised_its_text_is_shown_copying(tmp_path):
    folder = tmp_path / "verse"
    folder.mkdir()
    for split in ("train", "valid", "test"):
        (folder / f"{split}.txt").write_text((VERSE + "\n") * (40 if split == "train" else 2), encoding="utf-8")
    config = config_from(None, corpus=None, text_file=str(folder), level="word", epochs=30, hidden_size=64,
                         embedding_size=32, num_layers=1, dropout=0.0, batch_size=4, bptt=16, learning_rate=1e-2)
    train(config, tmp_path / "model")
    assert (tmp_path / "model" / INDEX_FILE).stat().st_size < 5_000_000
    model, tokenizer = lm.load(tmp_path / "model")
    index = NgramIndex.load(tmp_path / "model")
    prompt = tokenizer.encode("shall i compare")
    sample = lm.generate(model, tokenizer, "shall i compare", SamplingSettings(temperatures=[0.0], max_new_tokens=40))
    copied = index.copied(prompt + sample.samples[0].token_ids, start=len(prompt))
    assert sum(copied) / len(copied) >= 0.9
