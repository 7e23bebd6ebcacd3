"""The Train view's log: status line, loss chart and recent samples."""

from types import SimpleNamespace

from studio.html.train import TrainingLog


def test_the_training_log_shows_status_curve_and_recent_samples():
    log = TrainingLog("mine")
    assert log.status == "preparing the corpus…"
    log.add(SimpleNamespace(kind="step", epoch=1, train_loss=2.5, tokens_per_second=12345.6))
    assert log.status == "epoch 1 · loss 2.500 · 12,346 tokens/s"
    for epoch in range(1, 8):
        log.add(SimpleNamespace(kind="epoch", epoch=epoch, train_loss=2.0 - epoch / 10, valid_loss=2.25 - (epoch == 4),
                                improved=epoch in (1, 2, 4), sample=f"text {epoch}"))
    assert len(log.history) == 7 and log.history[0] == {"epoch": 1, "train_loss": 1.9, "valid_loss": 2.25}
    assert log.best_epoch == 4
    chart = log.chart()
    assert chart.count('class="lm-line"') == 2 and "best epoch 4" in chart
    assert log.recent_samples().startswith("— after epoch 3 (valid loss 2.250):\ntext 3")
    log.add(SimpleNamespace(kind="done", metrics={"valid": {"loss": 2.25}, "epochs": 7}))
    assert log.status == "saved **mine**: valid loss 2.250 after 7 epochs"
