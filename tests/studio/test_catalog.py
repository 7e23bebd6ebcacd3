"""The model catalog: only checkpoint folders are offered; a bounded cache of
loaded models (least recently used dropped, shipped models pinned); folders it
cannot read or load, which are logged and never stop the others; and the
checked list of Hub models."""

from __future__ import annotations

import concurrent.futures
import json
import logging
import os
import random
from pathlib import Path

import pytest
import torch

import lm
from studio.catalog import Catalog
from studio.core import Studio
from studio.catalog import HubModel, read_model_list
from studio.settings import SHIPPED_MODELS, Settings
from studio.tabs.score import Score
from tests.support.paths import REPO

NAMES = ["a", "b", "c", "d"]


def test_catalog_offers_only_checkpoint_folders_and_refuses_other_names(tmp_path, tiny_model, word_tokenizer):
    lm.save(tmp_path / "zeta", tiny_model, word_tokenizer)
    lm.save(tmp_path / "alpha", tiny_model, word_tokenizer)
    (tmp_path / "not-a-model").mkdir()
    catalog = Catalog(tmp_path, preferred=("zeta",))
    assert catalog.names() == ["zeta", "alpha"]
    assert catalog.get("alpha").tokenizer == word_tokenizer
    for bad in ("../../etc/passwd", "not-a-model", str(tmp_path / "alpha"), None):
        with pytest.raises(ValueError, match="unknown model"):
            catalog.get(bad)


def test_a_broken_checkpoint_is_reported_and_the_others_keep_working(tmp_path, tiny_model, word_tokenizer):
    lm.save(tmp_path / "good", tiny_model, word_tokenizer)
    lm.save(tmp_path / "broken", tiny_model, word_tokenizer)
    (tmp_path / "broken" / "model.safetensors").write_bytes(b"garbage!")
    catalog = Catalog(tmp_path)
    with pytest.raises(ValueError, match="broken.*model.safetensors"):
        catalog.get("broken")
    assert catalog.get("good").model is not None


@pytest.fixture
def saved(tmp_path, word_tokenizer) -> Path:
    """A ``checkpoints`` folder holding a pinned model and four others, each
    a different model."""
    root = tmp_path / "checkpoints"
    for index, name in enumerate(["pinned", *NAMES]):
        torch.manual_seed(index)
        model = lm.LSTMLanguageModel(len(word_tokenizer), embedding_size=8, hidden_size=16, num_layers=1).eval()
        lm.save(root / name, model, word_tokenizer)
    return root


def logits(entry, text: str = "the cat sat on the mat") -> torch.Tensor:
    with torch.no_grad():
        return entry.model(torch.tensor([entry.tokenizer.encode(text)]))[0]


def test_loading_models_in_turn_keeps_at_most_the_bound_and_pinned_ones_stay(saved):
    catalog = Catalog(saved, pinned=("pinned",), max_loaded=2)
    pinned = catalog.get("pinned")
    first = {}
    for name in NAMES:
        first[name] = catalog.get(name)
        assert len([loaded for loaded in catalog.loaded() if loaded != "pinned"]) <= 2
    assert catalog.loaded() == ["pinned", "c", "d"]
    catalog.get("c")  # now d is the least recently used
    again = catalog.get("a")
    assert catalog.loaded() == ["pinned", "c", "a"]
    assert again is not first["a"] and torch.equal(logits(again), logits(first["a"]))
    assert not torch.equal(logits(again), logits(first["b"]))
    assert catalog.get("pinned") is pinned and catalog.get("c") is first["c"]


def test_a_bound_of_zero_keeps_only_the_pinned_models(saved):
    catalog = Catalog(saved, pinned=("pinned",), max_loaded=0)
    entry = catalog.get("a")
    catalog.get("pinned")
    assert entry.name == "a" and catalog.loaded() == ["pinned"]
    with pytest.raises(ValueError, match="max_loaded must be 0 or more, got -1"):
        Catalog(saved, max_loaded=-1)


def test_many_threads_switching_models_keep_the_bound_and_get_the_right_model(saved):
    catalog = Catalog(saved, pinned=("pinned",), max_loaded=2)
    expected = {name: logits(catalog.get(name)) for name in ["pinned", *NAMES]}

    def pick(seed: int) -> bool:
        name = random.Random(seed).choice(["pinned", *NAMES])
        entry = catalog.get(name)
        return entry.name == name and torch.equal(logits(entry), expected[name])

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert all(pool.map(pick, range(400)))
    assert "pinned" in catalog.loaded() and len(catalog.loaded()) <= 3


def test_the_bound_comes_from_the_environment_and_shipped_models_are_pinned(tmp_path):
    assert Settings.from_environment(tmp_path, environment={}).max_loaded_models == 8
    settings = Settings.from_environment(tmp_path, environment={"LM_MAX_LOADED_MODELS": "3"})
    catalog = Studio(settings).catalog
    assert settings.max_loaded_models == 3 and catalog.max_loaded == 3 and catalog.pinned == SHIPPED_MODELS


def test_a_garbage_config_is_refused_when_picked_and_logged_with_the_file(saved, caplog):
    (saved / "b" / "config.json").write_text("{garbage")
    (saved / "c" / "metrics.json").write_text("[not json")
    catalog = Catalog(saved)
    assert "b" in catalog.names()
    for name, file in [("b", "config.json"), ("c", "metrics.json")]:
        with caplog.at_level(logging.WARNING, logger="studio.catalog"):
            with pytest.raises(ValueError, match=f"model '{name}' cannot be loaded: .*{name}/{file}"):
                catalog.get(name)
        assert f"{name}/{file}" in caplog.text and "not valid JSON" in caplog.text
    assert catalog.get("a").name == "a"


@pytest.fixture
def locked(saved, monkeypatch) -> Path:
    """The folder ``saved/b`` made unreadable; where the tests run as root,
    which reads any folder, reading inside it is refused the same way."""
    folder = saved / "b"
    folder.chmod(0)
    if os.access(folder, os.R_OK):
        is_file = Path.is_file

        def refused(path: Path) -> bool:
            if path.parent == folder:
                raise PermissionError(13, "Permission denied", str(path))
            return is_file(path)

        monkeypatch.setattr(Path, "is_file", refused)
    yield folder
    folder.chmod(0o755)


def test_an_unreadable_folder_is_left_out_and_logged_once(saved, locked, caplog):
    catalog = Catalog(saved, pinned=("pinned",))
    with caplog.at_level(logging.WARNING, logger="studio.catalog"):
        assert catalog.names() == ["a", "c", "d", "pinned"]
        catalog.names()
    assert [record.getMessage() for record in caplog.records if str(locked) in record.getMessage()] == [
        f"{locked} cannot be read, so it is not offered: [Errno 13] Permission denied: '{locked}/config.json'"]
    with pytest.raises(ValueError, match="unknown model 'b'"):
        catalog.get("b")
    assert catalog.get("a").name == "a"


def test_a_studio_with_a_broken_list_and_broken_models_opens_with_one_that_loads(saved, locked, caplog):
    """The first model in the list does not load and the second cannot be
    read: the studio opens with the third; the broken Hub list is ignored."""
    (saved / "a" / "model.safetensors").write_bytes(b"garbage!")
    (saved.parent / "models.json").write_text("{not json")
    with caplog.at_level(logging.WARNING):
        studio = Studio(Settings.from_environment(saved.parent, environment={}))
        assert studio.catalog.names() == ["a", "c", "d", "pinned"]
        assert studio.default_model() == "c"
    assert f"{saved.parent / 'models.json'} is ignored" in caplog.text and "not valid JSON" in caplog.text
    assert f"{locked} cannot be read" in caplog.text and f"{saved / 'a' / 'model.safetensors'}" in caplog.text
    with pytest.raises(Exception, match="model 'a' cannot be loaded"):
        Score(studio).api_score("a", "the cat")
    assert Score(studio).api_score("c", "the cat")["tokens"] == ["the", "cat"]


def test_the_model_list_is_checked(tmp_path):
    path = tmp_path / "models.json"
    assert read_model_list(path) == []
    path.write_text(json.dumps({"models": [{"name": "Harry Potter", "repo": "alice/hp", "revision": "v1", "corpus": "harry-potter"}]}))
    assert read_model_list(path) == [HubModel("Harry Potter", "alice/hp", "v1", "harry-potter")]
    path.write_text(json.dumps({"models": [{"name": "../../etc/passwd", "repo": "alice/hp"}]}))
    with pytest.raises(ValueError, match="has name '../../etc/passwd'"):
        read_model_list(path)
    path.write_text(json.dumps({"models": [{"repo": "alice/hp"}]}))
    with pytest.raises(ValueError, match="entry 0 needs 'name' and 'repo'"):
        read_model_list(path)


def test_the_shipped_model_list_is_valid():
    for model in read_model_list(os.path.join(REPO, "models.json")):
        assert model.repo.count("/") == 1
