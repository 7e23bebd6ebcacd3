"""Corpora through the same ``datasets`` loaders as the Hub, on local files;
and Tiny Shakespeare downloaded with the standard library from a loopback
server, then read from the cache."""

import functools
import http.server
import threading

import pandas
import pytest

from lm.corpora import CorpusUnavailable, load_corpus, number_words


def test_number_words_follow_human_numbers():
    assert number_words(1) == "one"
    assert number_words(40) == "forty"
    assert number_words(115) == "one hundred fifteen"
    assert number_words(8345) == "eight thousand three hundred forty five"
    assert number_words(9000) == "nine thousand"


def test_human_numbers_splits():
    corpus = load_corpus("human-numbers")
    assert corpus.splits["train"][0].startswith("one . two . three")
    assert corpus.splits["train"][0].endswith("seven thousand nine hundred ninety nine . eight thousand")
    assert corpus.splits["valid"][0].startswith("eight thousand one . eight thousand two")
    assert corpus.splits["test"] == corpus.splits["valid"]


def test_tiny_shakespeare_canonical_split(tiny_shakespeare):
    corpus = load_corpus("tiny-shakespeare", text_file=str(tiny_shakespeare))
    text = tiny_shakespeare.read_text(encoding="utf-8")
    assert corpus.level == "char"
    assert corpus.splits["train"][0] == text[: int(len(text) * 0.9)]
    assert corpus.splits["train"][0] + corpus.splits["valid"][0] == text
    assert corpus.splits["test"] == corpus.splits["valid"]


def test_a_local_file_is_split_90_5_5_at_line_breaks(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("".join(f"line {i:03d}\n" for i in range(200)), encoding="utf-8")
    corpus = load_corpus(text_file=str(path), level="word")
    counts = {split: sum(len(document.split("\n")) for document in documents)
              for split, documents in corpus.splits.items()}
    assert counts["train"] == 180 and counts["valid"] + counts["test"] == 20
    assert corpus.eos_after_each and corpus.line_breaks


def test_a_folder_of_train_valid_test_files(tmp_path):
    for split in ("train", "valid", "test"):
        (tmp_path / f"{split}.txt").write_text(f"{split} first line\n\n{split} second line\n", encoding="utf-8")
    corpus = load_corpus(text_file=str(tmp_path), level="word")
    assert corpus.splits["valid"] == ["valid first line", "valid second line"]


def test_cnn_dailymail_from_local_parquet_draws_rows_like_the_reference(tmp_path):
    import numpy

    rows = 12_000
    pandas.DataFrame({"article": ["a"] * rows, "highlights": [f"story {i} ." for i in range(rows)], "id": list(map(str, range(rows)))}).to_parquet(tmp_path / "train-00000-of-00001.parquet")
    for split in ("validation", "test"):
        pandas.DataFrame({"article": ["a"], "highlights": [f"{split} story ."], "id": ["x"]}).to_parquet(tmp_path / f"{split}-00000-of-00001.parquet")
    corpus = load_corpus("cnn-dailymail", text_file=str(tmp_path))
    chosen = sorted(numpy.random.default_rng(1234).choice(rows, size=10_000, replace=False).tolist())
    assert corpus.splits["train"] == [f"story {i} ." for i in chosen]
    assert corpus.splits["test"] == ["test story ."]
    assert corpus.min_freq == 3 and corpus.eos_after_each


def test_harry_potter_drops_blank_lines(tmp_path):
    for split in ("train", "validation", "test"):
        pandas.DataFrame({"text": ["Harry looked up.", "", "   ", "Ron grinned."]}).to_parquet(tmp_path / f"{split}-00000-of-00001.parquet")
    corpus = load_corpus("harry-potter", text_file=str(tmp_path))
    assert corpus.splits["valid"] == ["Harry looked up.", "Ron grinned."]


def test_unreachable_corpus_names_the_dataset_and_the_local_alternative(tmp_path):
    with pytest.raises(CorpusUnavailable, match=r"'imdb'.*--corpus imdb --text-file PATH"):
        load_corpus("imdb", text_file=str(tmp_path / "missing"))


def test_unknown_corpus_lists_the_known_ones():
    with pytest.raises(ValueError, match="known corpora are"):
        load_corpus("wikipedia")


def test_an_offline_hub_corpus_names_the_dataset_and_the_local_alternative(monkeypatch):
    import datasets
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    with pytest.raises(CorpusUnavailable, match=r"KaungHtetCho/Harry_Potter_LSTM.*--corpus harry-potter --text-file PATH"):
        load_corpus("harry-potter", revision="main")


def test_tiny_shakespeare_downloads_once_over_http_and_then_comes_from_the_cache(tmp_path, monkeypatch):
    from lm.corpora import load_corpus

    served = tmp_path / "served"
    served.mkdir()
    (served / "input.txt").write_text("First Citizen:\nBefore we proceed any further, hear me speak.\n" * 50)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/input.txt"
    monkeypatch.setenv("LM_TINY_SHAKESPEARE_URL", url)
    monkeypatch.setenv("LM_CACHE", str(tmp_path / "cache"))
    corpus = load_corpus("tiny-shakespeare")
    server.shutdown()
    server.server_close()
    again = load_corpus("tiny-shakespeare")  # the server is gone: the cache answers
    assert corpus.splits == again.splits
    assert "".join(corpus.splits["train"]).startswith("First Citizen:\nBefore we proceed")
    assert len(list((tmp_path / "cache").rglob("*.txt"))) == 1
