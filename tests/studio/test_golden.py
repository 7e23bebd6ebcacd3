"""Behaviour held fixed across restructurings: outputs recorded once, through
the public commands and APIs, and compared on every run.

- seeded ``lm.generate`` texts (fp32 and int8) and ``lm.score`` figures on
  both shipped models;
- ``/generate`` texts through ``gradio_client`` for a few settings;
- ``python -m lm evaluate`` figures;
- per-epoch losses of short fixed-epoch ``train.py`` runs (fp32, so the
  figures do not depend on the CPU's bf16 support).

Texts and figures must be identical, training losses equal to 1e-4.
``python tests/studio/test_golden.py --record`` writes
``tests/studio/golden.json`` anew; do that only when a change of behaviour
is intended.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
GOLDEN = HERE / "golden.json"
sys.path.insert(0, str(REPO))  # run as a script, too: ``lm``, ``studio`` and ``tests.support`` from the repository

GENERATE_CASES = [
    dict(model="tiny-shakespeare", prompt="ROMEO:\n", temperatures=[0.0, 0.5, 1.0, 1.5], max_new_tokens=80, seed=0),
    dict(model="tiny-shakespeare", prompt="First Citizen:", temperatures=[0.8, 1.2], max_new_tokens=60, seed=3,
         top_k=5, top_p=0.9),
    dict(model="tiny-shakespeare", prompt="", temperatures=[1.0], max_new_tokens=50, seed=11,
         samples_per_temperature=3),
    dict(model="human-numbers", prompt="one . two .", temperatures=[0.0, 0.8, 1.3], max_new_tokens=40, seed=1),
    dict(model="human-numbers", prompt="eight thousand zebra", temperatures=[2.0, 5.0], max_new_tokens=30, seed=5,
         top_p=0.5),
]
API_CASES = [
    dict(model="tiny-shakespeare", prompt="ROMEO:", temperatures=[0.5, 1.0], max_new_tokens=60, seed=0,
         top_k=None, top_p=None, int8=True),
    dict(model="tiny-shakespeare", prompt="KING:", temperatures=[0.0, 0.9, 1.4], max_new_tokens=40, seed=9,
         top_k=20, top_p=None, int8=False),
    dict(model="human-numbers", prompt="nine hundred", temperatures=[0.7], max_new_tokens=30, seed=2,
         top_k=None, top_p=0.8, int8=True),
]
SCORE_CASES = [("tiny-shakespeare", "To be, or not to be, that is the question."),
               ("human-numbers", "one . two . three . four unicorn .")]
TRAIN_RUNS = {
    "plain-cosine": ["--corpus", "human-numbers", "--epochs", "2", "--hidden-size", "32", "--embedding-size", "16",
                     "--num-layers", "1", "--batch-size", "16", "--bptt", "32", "--schedule", "cosine",
                     "--warmup-steps", "10", "--precision", "fp32"],
    "awd-nt-asgd": ["--corpus", "human-numbers", "--epochs", "3", "--hidden-size", "24", "--embedding-size", "24",
                    "--num-layers", "2", "--batch-size", "20", "--bptt", "24", "--tie-weights", "--locked-dropout",
                    "--weight-drop", "0.2", "--embedding-dropout", "0.05", "--variable-bptt", "--optimizer",
                    "nt-asgd", "--nonmono", "0", "--learning-rate", "5", "--schedule", "plateau",
                    "--unknown-word-rate", "0.3", "--precision", "fp32"],
}


def _load(name: str):
    import lm

    return lm.load(REPO / "checkpoints" / name)


def library_outputs() -> dict:
    import lm
    from lm.quantize import quantize_int8

    loaded = {name: _load(name) for name in ("tiny-shakespeare", "human-numbers")}
    results = []
    for case in GENERATE_CASES:
        model, tokenizer = loaded[case["model"]]
        settings = {key: value for key, value in case.items() if key != "model"}
        prompt = settings.pop("prompt")
        for int8 in (False, True):
            engine = quantize_int8(model) if int8 else model
            samples = lm.generate(engine, tokenizer, prompt, **settings)
            results.append({"texts": samples.texts, "ended": [sample.ended for sample in samples.samples],
                            "unk_masked": [sample.unk_masked for sample in samples.samples]})
    scores = []
    for name, text in SCORE_CASES:
        model, tokenizer = loaded[name]
        result = lm.score(model, tokenizer, text)
        scores.append({"pieces": result.pieces, "log_probabilities": result.log_probabilities,
                       "unknown": result.unknown})
    return {"generate": results, "score": scores}


def api_outputs(url: str | None = None) -> list:
    """``/generate``'s answers from the studio at ``url`` (default settings),
    or from one started for the purpose."""
    from gradio_client import Client

    from tests.support.studio_server import running_studio

    if url is None:
        with running_studio() as (started, _):
            return api_outputs(started)
    client = Client(url, verbose=False)
    return [client.predict(**case, api_name="/generate") for case in API_CASES]


def _run(*arguments: str) -> str:
    result = subprocess.run([sys.executable, *arguments], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return result.stdout


def evaluate_outputs() -> dict:
    return {"human-numbers": json.loads(_run("-m", "lm", "evaluate", "checkpoints/human-numbers", "--split", "test"))}


def training_outputs(folder: Path) -> dict:
    histories = {}
    for name, flags in TRAIN_RUNS.items():
        out = folder / name
        _run("train.py", *flags, "--out", str(out))
        metrics = json.loads((out / "metrics.json").read_text())
        histories[name] = {"history": [[row["train_loss"], row["valid_loss"]] for row in metrics["history"]],
                           "test_loss": metrics["test"]["loss"]}
    return histories


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads(GOLDEN.read_text())


def test_library_samples_and_scores_are_unchanged(golden):
    assert library_outputs() == golden["library"]


@pytest.mark.slow
def test_generate_endpoint_texts_are_unchanged(golden, studio_url):
    assert api_outputs(studio_url) == golden["api"]


@pytest.mark.slow
def test_evaluate_figures_are_unchanged(golden):
    assert evaluate_outputs() == golden["evaluate"]


@pytest.mark.slow
def test_training_losses_are_unchanged(golden, tmp_path):
    found = training_outputs(tmp_path)
    for name, expected in golden["training"].items():
        flat_found = [value for row in found[name]["history"] for value in row]
        flat_expected = [value for row in expected["history"] for value in row]
        assert flat_found == pytest.approx(flat_expected, abs=1e-4), name
        assert found[name]["test_loss"] == pytest.approx(expected["test_loss"], abs=1e-4), name


if __name__ == "__main__":
    import tempfile

    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: python tests/studio/test_golden.py --record")
    with tempfile.TemporaryDirectory() as folder:
        record = {"library": library_outputs(), "api": api_outputs(), "evaluate": evaluate_outputs(),
                  "training": training_outputs(Path(folder))}
    GOLDEN.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {GOLDEN}")
