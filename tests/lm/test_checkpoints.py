import json
import pickle

import pytest
import torch
from safetensors.torch import save_file

import lm
from lm.checkpoints import CheckpointError, list_checkpoints
from lm.model import LSTMLanguageModel


def test_save_then_load_gives_identical_logits(tmp_path, tiny_model, word_tokenizer):
    lm.save(tmp_path / "model", tiny_model, word_tokenizer, metrics={"corpus": "toy"})
    model, tokenizer = lm.load(tmp_path / "model")
    tokens = torch.randint(0, len(word_tokenizer), (2, 5))
    assert torch.equal(model(tokens)[0], tiny_model(tokens)[0])
    assert tokenizer == word_tokenizer
    assert list_checkpoints(tmp_path) == [tmp_path / "model"]


def test_config_json_is_the_model_config(tmp_path, tiny_model, word_tokenizer):
    lm.save(tmp_path, tiny_model, word_tokenizer)
    assert json.loads((tmp_path / "config.json").read_text()) == tiny_model.config.to_dict()
    assert lm.load(tmp_path)[0].config == tiny_model.config


def test_a_config_json_written_before_model_config_still_loads(tmp_path, tiny_model, word_tokenizer):
    """The shipped and published checkpoints list the fields in another order."""
    lm.save(tmp_path, tiny_model, word_tokenizer)
    fields = tiny_model.config.to_dict()
    older = {name: fields[name] for name in ("embedding_size", "hidden_size", "num_layers", "dropout", "tie_weights",
                                             "vocab_size")}
    (tmp_path / "config.json").write_text(json.dumps(older, indent=2))
    assert lm.load(tmp_path)[0].config == tiny_model.config


def test_tied_weights_round_trip(tmp_path, word_tokenizer):
    model = LSTMLanguageModel(len(word_tokenizer), embedding_size=8, hidden_size=12, tie_weights=True).eval()
    lm.save(tmp_path, model, word_tokenizer)
    loaded, _ = lm.load(tmp_path)
    assert loaded.decoder.weight is loaded.embedding.weight
    tokens = torch.tensor([[2, 3, 4]])
    assert torch.equal(loaded(tokens)[0], model(tokens)[0])


def test_strict_loading_rejects_mismatched_weights(tmp_path, tiny_model, word_tokenizer):
    lm.save(tmp_path, tiny_model, word_tokenizer)
    tensors = {name: tensor.clone() for name, tensor in tiny_model.state_dict().items()}
    tensors["lstm.weight_hh_l0"] = torch.zeros(3, 3)
    tensors["extra"] = torch.zeros(1)
    save_file(tensors, tmp_path / "model.safetensors")
    with pytest.raises(CheckpointError, match=r"model.safetensors.*unexpected \['extra'\].*weight_hh_l0 has shape"):
        lm.load(tmp_path)


def test_vocabulary_must_match_the_weights(tmp_path, tiny_model, word_tokenizer):
    lm.save(tmp_path, tiny_model, word_tokenizer)
    vocab = json.loads((tmp_path / "vocab.json").read_text())
    vocab["tokens"].append("extra")
    (tmp_path / "vocab.json").write_text(json.dumps(vocab))
    with pytest.raises(CheckpointError, match="vocab.json holds"):
        lm.load(tmp_path)


def test_a_pickle_is_never_opened(tmp_path):
    marker = tmp_path / "marker"

    class Exploit:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    (tmp_path / "pytorch_model.bin").write_bytes(pickle.dumps(Exploit()))
    with pytest.raises(CheckpointError, match="config.json is missing"):
        lm.load(tmp_path)
    assert not marker.exists()


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda folder: (folder / "model.safetensors").write_bytes(b"\x01\x02"), "truncated"),
        (lambda folder: (folder / "model.safetensors").write_bytes((10**12).to_bytes(8, "little") + b"{}"), "header"),
        (lambda folder: (folder / "model.safetensors").write_bytes((20).to_bytes(8, "little") + b"garbage, not json!!!" + bytes(64)),
         "model.safetensors is not a safetensors file"),
        (lambda folder: (folder / "config.json").write_text("{not json"), "config.json is not valid JSON"),
        (lambda folder: (folder / "vocab.json").write_text("[1, 2"), "vocab.json"),
        (
            lambda folder: (folder / "config.json").write_text(json.dumps({"vocab_size": 11, "hidden_size": 10**9})),
            "hidden_size must be an integer",
        ),
        (lambda folder: (folder / "config.json").write_text(json.dumps({"vocab_size": 11, "width": 3})),
         r"config.json: has keys \['vocab_size', 'width'\]"),
        (lambda folder: (folder / "config.json").write_text("[11]"), "config.json: must hold a JSON object"),
        (lambda folder: (folder / "config.json").write_text(json.dumps({"vocab_size": 11, "tie_weights": "yes"})),
         "config.json: tie_weights must be true or false"),
    ],
)
def test_damaged_files_are_refused_with_the_file_named(tmp_path, tiny_model, word_tokenizer, damage, message):
    lm.save(tmp_path, tiny_model, word_tokenizer)
    damage(tmp_path)
    with pytest.raises(CheckpointError, match=message):
        lm.load(tmp_path)


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_non_finite_weights_are_refused(tmp_path, tiny_model, word_tokenizer, value):
    with torch.no_grad():
        tiny_model.decoder.bias[0] = value
    lm.save(tmp_path, tiny_model, word_tokenizer)
    with pytest.raises(CheckpointError, match="model.safetensors: tensor decoder.bias holds NaN or Inf"):
        lm.load(tmp_path)
