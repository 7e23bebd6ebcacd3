"""The studio's parts: the model catalog, background training, HTML views."""

import os
import signal
from types import SimpleNamespace

import pytest

import lm
from lm.config import config_from
from studio import views
from studio.catalog import Catalog
from studio.jobs import Trainer, TrainerBusy, TrainingFailed
from studio.train_worker import TRAINING_NICENESS


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


def follow(job, stop_after_epoch: bool = True) -> list[str]:
    """The kinds of a job's events; the job is stopped after its first epoch."""
    kinds = []
    for event in job.watch():
        if event is not None:
            kinds.append(event.kind)
            if event.kind == "epoch" and stop_after_epoch:
                assert event.sample.startswith("one.")
                job.stop()
    return kinds


def test_runs_queue_one_at_a_time_in_child_processes_and_stop_keeps_the_best_model(tmp_path):
    trainer = Trainer(max_waiting=1, threads=1)
    config = config_from("human-numbers", epochs=1000, hidden_size=16, embedding_size=8, max_minutes=2)
    first = trainer.start(config, tmp_path / "first", "test", sample_prompt="one .", owner="a")
    second = trainer.start(config, tmp_path / "second", "test", owner="b")
    assert trainer.busy() and trainer.place(second) == 1 and trainer.job_of("b") is second
    assert 0 < trainer.expected_start_seconds(second) <= first.budget_seconds
    with pytest.raises(TrainerBusy, match="queue is full"):
        trainer.start(config, tmp_path / "third", "test")
    assert trainer.leave(second) and second.state == "left" and follow(second) == []
    third = trainer.start(config, tmp_path / "third", "test", sample_prompt="one .")
    assert first.process.pid != os.getpid() and trainer.place(third) == 1
    kinds = follow(first)
    assert kinds[-1] == "done" and "epoch" in kinds and first.state == "finished"
    assert lm.load(tmp_path / "first")[0].hidden_size == 16
    assert follow(third)[-1] == "done" and third.started >= first.started + 1
    assert not trainer.busy() and not (tmp_path / "second").exists()


def test_a_run_yields_the_cpu_offers_itself_to_the_oom_killer_and_dies_with_how_it_died(tmp_path):
    trainer = Trainer(max_waiting=1)
    config = config_from("human-numbers", epochs=1000, hidden_size=16, embedding_size=8, max_minutes=2)
    doomed = trainer.start(config, tmp_path / "doomed", "test")
    after = trainer.start(config, tmp_path / "after", "test", sample_prompt="one .")
    for event in doomed.watch():
        if event is not None and event.kind == "step":
            pid = doomed.process.pid
            expected_niceness = min(19, os.getpriority(os.PRIO_PROCESS, 0) + TRAINING_NICENESS)
            assert os.getpriority(os.PRIO_PROCESS, pid) == expected_niceness  # the studio's requests come first
            assert open(f"/proc/{pid}/oom_score_adj").read().strip() == "1000"
            doomed.process.send_signal(signal.SIGKILL)  # what the kernel does to a run that ran out of memory
            break
    with pytest.raises(TrainingFailed, match=r"killed \(SIGKILL, most likely for running out of memory\)"):
        list(doomed.watch())
    assert follow(after)[-1] == "done"


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
