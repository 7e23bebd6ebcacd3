"""The studio's parts: the model catalog, background training, HTML views."""

from types import SimpleNamespace

import pytest

import lm
from lm.config import config_from
from studio import views
from studio.catalog import Catalog
from studio.jobs import Trainer, TrainerBusy


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


def test_one_training_at_a_time_and_stop_keeps_the_best_model(tmp_path):
    trainer = Trainer()
    config = config_from("human-numbers", epochs=1000, hidden_size=16, embedding_size=8, max_minutes=2)
    job = trainer.start(config, tmp_path / "first", "test", sample_prompt="one .")
    with pytest.raises(TrainerBusy, match="busy"):
        trainer.start(config, tmp_path / "second", "test")
    kinds = []
    for event in job.watch():
        if event is None:
            continue
        kinds.append(event.kind)
        if event.kind == "epoch":
            assert event.sample.startswith("one.")
            job.stop_requested.set()
    assert kinds[-1] == "done" and "epoch" in kinds
    assert not trainer.busy()
    assert lm.load(tmp_path / "first")[0].hidden_size == 16
    assert not (tmp_path / "second").exists()


def test_views_escape_user_text():
    page = views.columns(["T = 1"], "<script>", [[views.token_span("<b>", 0.5, [("<i>", 0.5)])]], [True], [2])
    assert "<script>" not in page and "&lt;script&gt;" in page and "&lt;b&gt;" in page
    assert "2 &lt;unk&gt; masked" in page and "lm-eos" in page


def test_the_training_log_shows_status_curve_and_recent_samples():
    log = views.TrainingLog("mine")
    assert log.status == "preparing the corpus…"
    log.add(SimpleNamespace(kind="step", epoch=1, train_loss=2.5, tokens_per_second=12345.6))
    assert log.status == "epoch 1 · loss 2.500 · 12,346 tokens/s"
    for epoch in range(1, 8):
        log.add(SimpleNamespace(kind="epoch", epoch=epoch, train_loss=2.0 - epoch / 10, valid_loss=2.25 - (epoch == 4),
                                improved=epoch in (1, 2, 4), sample=f"text {epoch}"))
    assert len(log.history) == 7 and log.history[0] == {"epoch": 1, "train_loss": 1.9, "valid_loss": 2.25}
    assert log.best_epoch == 4
    chart = log.chart()
    assert chart.count('class="lm-line"') == 2 and "best valid: epoch 4" in chart
    assert log.recent_samples().startswith("— after epoch 3 (valid loss 2.250):\ntext 3")
    log.add(SimpleNamespace(kind="done", metrics={"valid": {"loss": 2.25}, "epochs": 7}))
    assert log.status == "saved **mine**: valid loss 2.250 after 7 epochs"
