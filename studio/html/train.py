"""What the Train view shows: a training run's log (status line, the loss
per epoch as a chart with the best epoch marked, the samples after the last
epochs) and, while a run waits, its place in the queue."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lm.hub.loss_chart import loss_curve_svg

if TYPE_CHECKING:
    from studio.training.jobs import Job, Trainer

def minutes_text(seconds: float) -> str:
    return "under a minute" if seconds < 60 else f"about {seconds / 60:.0f} min"


def queue_status(trainer: Trainer, job: Job) -> str:
    """What a student whose run waits sees: place, what runs, when theirs starts."""
    place = trainer.place(job)
    if place is None:
        return "starting…"
    running = trainer.current if trainer.busy() else None
    now = (f"training now: **{running.name}** (ends in {minutes_text(running.remaining_seconds())})"
           if running else "the trainer is starting the next run")
    return (f"waiting: place **{place}** in the queue · {now} · yours is expected to start in "
            f"{minutes_text(trainer.expected_start_seconds(job))}. Press “Stop training / leave the queue” to leave.")


class TrainingLog:
    """What the Train view shows of a run, from its ``TrainEvent``s: a status
    line, the loss per epoch (a chart with the best epoch marked) and the
    samples after the last epochs."""

    SAMPLES_SHOWN = 5

    def __init__(self, name: str):
        self.name = name
        self.status = "preparing the corpus…"
        self.history: list[dict] = []  # per epoch: epoch, train_loss, valid_loss
        self.best_epoch: int | None = None
        self.samples: list[str] = []

    def add(self, event) -> None:
        if event.kind == "step":
            self.status = f"epoch {event.epoch} · loss {event.train_loss:.3f} · {event.tokens_per_second:,.0f} tokens/s"
        elif event.kind == "epoch":
            self.history.append({"epoch": event.epoch, "train_loss": event.train_loss, "valid_loss": event.valid_loss})
            self.best_epoch = event.epoch if event.improved else self.best_epoch
            self.samples.append(f"— after epoch {event.epoch} (valid loss {event.valid_loss:.3f}):\n{event.sample}")
        elif event.kind == "done":
            self.status = (f"saved **{self.name}**: valid loss {event.metrics['valid']['loss']:.3f} "
                           f"after {event.metrics['epochs']} epochs")

    def chart(self) -> str:
        return loss_curve_svg(self.history, self.best_epoch)

    def recent_samples(self) -> str:
        return "\n\n".join(self.samples[-self.SAMPLES_SHOWN:])
