"""Background training for the app: one job at a time, events queued for
whoever is watching, a stop flag the loop checks between steps."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path

from lm.config import TrainConfig
from lm.run_state import TrainEvent
from lm.training import train


class TrainerBusy(RuntimeError):
    """Another training job is still running."""


class Job:
    def __init__(self, config: TrainConfig, out: Path, command: str, sample_prompt: str | None):
        self.config = config
        self.sample_prompt = sample_prompt
        self.out = out
        self.command = command
        self.events: queue.Queue[TrainEvent | BaseException | None] = queue.Queue()
        self.stop_requested = threading.Event()
        self.metrics: dict | None = None
        self.thread = threading.Thread(target=self._run, name=f"train-{out.name}", daemon=True)

    def _run(self) -> None:
        try:
            self.metrics = train(self.config, self.out, self.events.put, self.command,
                                 should_stop=self.stop_requested.is_set, sample_prompt=self.sample_prompt)
        except BaseException as error:  # handed to the watcher, who reports it
            self.events.put(error)
        finally:
            self.events.put(None)

    def watch(self, poll_seconds: float = 0.25) -> Iterator[TrainEvent | None]:
        """Events as they come; ``None`` now and then while nothing happens,
        so a watcher can refresh. Raises the job's error, if any."""
        while True:
            try:
                item = self.events.get(timeout=poll_seconds)
            except queue.Empty:
                yield None
                continue
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item


class Trainer:
    """Runs at most one ``Job``; a second ``start`` while one runs raises
    ``TrainerBusy``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: Job | None = None

    def busy(self) -> bool:
        return self.current is not None and self.current.thread.is_alive()

    def start(self, config: TrainConfig, out: Path, command: str, sample_prompt: str | None = None) -> Job:
        with self._lock:
            if self.busy():
                raise TrainerBusy(f"the trainer is busy with {self.current.out.name}; try again when it finishes")
            self.current = Job(config, out, command, sample_prompt)
            self.current.thread.start()
            return self.current
