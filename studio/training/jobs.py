"""Training beside the server: each run is a child process
(``studio.training.worker``) with a capped thread count, and runs wait their turn
in a bounded queue.

::

    Trainer ── waiting: [Job, Job, …] (at most max_waiting) ── current: Job
                                                                 │ stdin: request, then "stop"
                                                                 ▼
                                                python -m studio.training.worker
                                                                 │ stdout: one JSON line per event
                                                                 ▼
                                       Job.events ──▶ Job.watch() (the page, while it looks)

A run that dies (killed, out of memory) ends its ``Job`` with an error; the
studio never shares its memory or its threads. Whoever started a job may stop
it (or leave the queue); the job's ``on_end`` runs when it is over, watched or
not (the studio moves a finished model into the list there).
"""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path

from lm.training.config import TrainConfig
from lm.training.run import TrainEvent

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]  # where ``studio`` and ``lm`` import from
OVERHEAD_SECONDS = 15.0  # a run's start (reading the corpus) and end (test split, saving) beyond its budget
WAITING, RUNNING, FINISHED, FAILED, LEFT = "waiting", "running", "finished", "failed", "left"
_END = object()  # the last item of a job's events


class TrainerBusy(RuntimeError):
    """The training queue is full."""


class TrainingFailed(RuntimeError):
    """A run ended without a model: its error, or how its process died."""


def process_death(returncode: int) -> str:
    if returncode < 0:
        name = signal.Signals(-returncode).name if -returncode in signal.valid_signals() else str(-returncode)
        cause = ", most likely for running out of memory" if returncode == -signal.SIGKILL else ""
        return f"the training process was killed ({name}{cause}); nothing was saved"
    return f"the training process ended with exit code {returncode}; nothing was saved"


class Job:
    """One run: waits, runs in its own process, ends (``FINISHED`` with
    ``metrics``, ``FAILED`` with ``error``, or ``LEFT`` the queue)."""

    def __init__(self, config: TrainConfig, out: Path, command: str, sample_prompt: str | None = None,
                 owner: str | None = None, name: str | None = None, on_end: Callable[["Job"], None] | None = None,
                 plan: dict | None = None):
        self.config, self.out, self.command, self.sample_prompt = config, Path(out), command, sample_prompt
        self.plan = plan  # when set, the process picks the config for the budget (see studio.training.worker)
        self.picked: str | None = None  # what it picked, said in one line
        self.owner, self.name = owner, name or Path(out).name
        self.on_end = on_end
        self.state = WAITING
        self.events: queue.Queue = queue.Queue()
        self.metrics: dict | None = None
        self.error: str | None = None
        self.started: float | None = None
        self.process: subprocess.Popen | None = None
        self.ended = threading.Event()

    @property
    def budget_seconds(self) -> float:
        return (self.config.max_minutes or 0) * 60 + OVERHEAD_SECONDS

    def remaining_seconds(self) -> float:
        """Expected seconds until this job ends (its whole budget while it waits)."""
        if self.started is None:
            return self.budget_seconds
        return max(0.0, self.budget_seconds - (time.monotonic() - self.started))

    def launch(self, threads: int, then: Callable[["Job"], None]) -> None:
        self.state, self.started = RUNNING, time.monotonic()
        request = {"config": asdict(self.config), "out": str(self.out), "command": self.command,
                   "sample_prompt": self.sample_prompt, "threads": threads, "plan": self.plan}
        # The server's passive OpenMP wait (app.py) suits its small request steps; a run keeps OpenMP's default.
        environment = {key: value for key, value in os.environ.items() if key != "OMP_WAIT_POLICY"}
        self.process = subprocess.Popen([sys.executable, "-m", "studio.training.worker"], cwd=ROOT, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment)
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        threading.Thread(target=self._follow, args=(then,), name=f"train-{self.name}", daemon=True).start()

    def _follow(self, then: Callable[["Job"], None]) -> None:
        """Pass the child's events on until it exits; then end the job."""
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue  # not an event line
            if "event" in message:
                self.events.put(TrainEvent(**message["event"]))
            elif "picked" in message:
                self.picked = message["picked"]
            elif "done" in message:
                self.metrics = message["done"]
            elif "error" in message:
                self.error = message["error"]
        returncode = self.process.wait()
        if self.metrics is None and self.error is None:
            self.error = process_death(returncode)
        if self.metrics is None:
            log.warning("training run %s failed: %s", self.name, self.error)
        self.end(FINISHED if self.metrics is not None else FAILED)
        then(self)

    def end(self, state: str) -> None:
        """Mark the job over (``state``), run ``on_end``, release its watchers."""
        self.state = state
        try:
            if self.on_end is not None:
                self.on_end(self)
        except Exception as error:  # e.g. the disk filled while the model was moved into place
            log.warning("training run %s could not be kept: %s", self.name, error)
            self.state, self.error = FAILED, f"the model could not be kept: {error}"
        finally:
            self.ended.set()
            self.events.put(_END)

    def stop(self) -> None:
        """End the run early the normal way (it keeps the best model so far)."""
        if self.process is not None and self.process.poll() is None:
            try:
                self.process.stdin.write("stop\n")
                self.process.stdin.flush()
            except (BrokenPipeError, ValueError):
                pass

    def watch(self, poll_seconds: float = 0.25) -> Iterator[TrainEvent | None]:
        """Events as they come; ``None`` now and then while nothing happens
        (or while the job waits its turn), so a watcher can refresh. Raises
        ``TrainingFailed`` if the run ended without a model."""
        while True:
            try:
                item = self.events.get(timeout=poll_seconds)
            except queue.Empty:
                yield None
                continue
            if item is _END:
                if self.state == FAILED:
                    raise TrainingFailed(self.error)
                return
            yield item


class Trainer:
    """Runs one ``Job`` at a time, in order; at most ``max_waiting`` wait
    (``TrainerBusy`` beyond). Each run's process uses ``threads`` threads."""

    def __init__(self, max_waiting: int = 4, threads: int = 1):
        self.max_waiting = max_waiting
        self.threads = threads
        self._lock = threading.Lock()
        self.waiting: deque[Job] = deque()
        self.current: Job | None = None

    def busy(self) -> bool:
        return self.current is not None and self.current.state == RUNNING

    def start(self, config: TrainConfig, out: Path, command: str, sample_prompt: str | None = None, *,
              owner: str | None = None, name: str | None = None, on_end: Callable[[Job], None] | None = None,
              plan: dict | None = None) -> Job:
        """Queue a run (it starts at once when the trainer is idle)."""
        job = Job(config, out, command, sample_prompt, owner, name, on_end, plan)
        with self._lock:
            if len(self.waiting) >= self.max_waiting:
                raise TrainerBusy(f"the training queue is full ({len(self.waiting)} runs waiting besides "
                                  f"{self.current.name if self.current else 'the current one'}); try again in a few minutes")
            self.waiting.append(job)
            self._start_next()
        return job

    def _start_next(self) -> None:
        if not self.busy() and self.waiting:
            self.current = self.waiting.popleft()
            try:
                self.current.launch(self.threads, self._after)
            except OSError as error:  # the process could not start
                self.current.error = f"the training process could not start: {error}"
                self.current.end(FAILED)

    def _after(self, job: Job) -> None:
        with self._lock:
            self._start_next()

    def place(self, job: Job) -> int | None:
        """1 for the first in line, 2 for the next, …; None when not waiting."""
        with self._lock:
            return next((index + 1 for index, waiting in enumerate(self.waiting) if waiting is job), None)

    def expected_start_seconds(self, job: Job) -> float:
        """Seconds until ``job`` is expected to start: the running run's rest and the budgets ahead of it."""
        with self._lock:
            waiting = list(self.waiting)
            ahead = waiting[:waiting.index(job)] if job in waiting else []
            current = self.current.remaining_seconds() if self.busy() else 0.0
        return current + sum(other.budget_seconds for other in ahead)

    def leave(self, job: Job) -> bool:
        """Take a waiting job out of the queue; False if it is not waiting."""
        with self._lock:
            if job not in self.waiting:
                return False
            self.waiting.remove(job)
        job.end(LEFT)
        return True

    def jobs(self) -> list[Job]:
        """The running job (if any), then the waiting ones in order."""
        with self._lock:
            return ([self.current] if self.busy() else []) + list(self.waiting)

    def job_of(self, owner: str | None) -> Job | None:
        """``owner``'s running or waiting job."""
        return next((job for job in self.jobs() if owner and job.owner == owner), None)
