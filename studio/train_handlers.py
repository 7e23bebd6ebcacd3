"""The Train view's behaviour on a shared server: who owns which trained
model, the training queue as a student sees it, stopping, leaving and
deleting.

Each browser holds an owner token (``studio.user_models``); the page hands it
to every call here. A run is checked (name free or the caller's own, caps),
queued in the ``Trainer``, trained in ``.training/`` by a child process and
moved into the list when it ends well, whether or not anyone still watches.
The uploaded or pasted text is deleted when the run ends, however it ends.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import gradio as gr

from studio import forms, views
from studio.catalog import Catalog
from studio.jobs import FINISHED, LEFT, WAITING, Job, Trainer, TrainerBusy, TrainingFailed
from studio.settings import SCRATCH, Settings
from studio.user_models import UserModels, new_token, token_hash

log = logging.getLogger(__name__)


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


def remove(paths: tuple[Path, ...]) -> None:
    """Delete files and folders; what is already gone is fine."""
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


class TrainHandlers:
    """The Train view's callbacks over ``catalog`` (which lists the trained
    models) and a ``Trainer``; trained models go to ``settings.user_models``."""

    def __init__(self, settings: Settings, catalog: Catalog, trainer: Trainer | None = None):
        self.settings = settings
        self.catalog = catalog
        self.user_models = UserModels(settings.user_models, settings.user_models_max,
                                      settings.user_models_max_bytes, reserved=catalog.shipped_names)
        self.user_models.remove_leftovers()
        self.trainer = trainer or Trainer(settings.train_queue, settings.train_threads)

    def owner_token(self, stored: str | None) -> str:
        """The browser's owner token: the stored one, or a new one to store."""
        return stored if isinstance(stored, str) and len(stored) >= 16 else new_token()

    def train_view(self, corpus_choice, upload, level, preset, minutes, name, pasted="", start_from=SCRATCH,
                   owner=None, progress=gr.Progress()):
        """Queue a run and follow it: status (the queue place while it
        waits), loss curve, recent samples; the last update refreshes the
        model lists."""
        job = self._submit(corpus_choice, upload, level, preset, minutes, name, pasted, start_from, owner)
        log_view, done = views.TrainingLog(job.name), None
        try:
            for event in job.watch():
                if event is not None and event.kind == "done":
                    done = event  # "saved" is said once the model is in the list
                    log_view.status = "saving…"
                elif event is not None:
                    log_view.add(event)
                    if event.kind == "step":
                        progress(event.fraction, desc=log_view.status)
                if job.picked and log_view.status.startswith("preparing"):  # no step yet
                    log_view.status = f"preparing · {job.picked}"
                status = queue_status(self.trainer, job) if job.state == WAITING else log_view.status
                yield status, log_view.chart(), log_view.recent_samples(), gr.Dropdown(), gr.Dropdown()
        except TrainingFailed as error:  # reported; the server keeps serving
            raise gr.Error(f"training failed: {error}", print_exception=False) from error
        finally:
            if job.state == WAITING:  # the page went away while waiting: the place is given up
                self.trainer.leave(job)
        if done is not None:
            log_view.add(done)
        status = "you left the queue; nothing was trained" if job.state == LEFT else log_view.status
        if job.state == FINISHED and job.name != log_view.name:
            status += f" (the name was taken meanwhile, so it is saved as **{job.name}**)"
        yield status, log_view.chart(), log_view.recent_samples(), gr.Dropdown(choices=self.catalog.choices()), \
            self.your_models(owner)

    def _submit(self, corpus_choice, upload, level, preset, minutes, name, pasted, start_from, owner) -> Job:
        """Check the form, the name and the caps; queue the run."""
        try:
            init_from = None if start_from in (None, "", SCRATCH) else str(self.catalog.get(start_from).folder)
            name = forms.check_model_name(name)
            self.user_models.check_claim(name, owner)
            self._check_not_pending(name, owner)
            request = forms.train_request(corpus_choice, upload, level, preset, minutes, name, self.settings, pasted,
                                          init_from)
        except ValueError as error:
            raise gr.Error(str(error), print_exception=False) from error
        temporary = request.temporary
        try:
            return self.trainer.start(request.config, self.user_models.staging_folder(request.name), request.command,
                                      request.sample_prompt, owner=token_hash(owner), name=request.name,
                                      on_end=lambda job: self._keep(job, owner, temporary), plan=request.plan)
        except (TrainerBusy, OSError) as error:
            remove(temporary)
            raise gr.Error(str(error), print_exception=False) from error

    def _check_not_pending(self, name: str, owner: str) -> None:
        for job in self.trainer.jobs():
            if job.name == name and job.owner != token_hash(owner):
                raise ValueError(f"a model called {name!r} is being trained (or waits to be) in another browser; "
                                 "pick another name")

    def _keep(self, job: Job, owner: str, temporary: tuple[Path, ...]) -> None:
        """When a run ends: its text goes; a finished model goes into the
        list (under a free name), anything else is removed."""
        remove(temporary)
        try:
            if job.state == FINISHED:
                job.name = self.user_models.publish(job.out, job.name, owner).name
                self.catalog.forget(job.name)
        finally:
            shutil.rmtree(job.out, ignore_errors=True)  # gone already when published

    def stop_training(self, owner=None) -> str:
        """Stop the caller's run (keeping its best model) or take it out of the queue."""
        job = self.trainer.job_of(token_hash(owner)) if owner else None
        if job is None:
            return "you have no training running or waiting" if self.trainer.busy() else "no training is running"
        if self.trainer.leave(job):
            return "you left the queue; nothing was trained"
        job.stop()
        return "stopping after the current step; the best model so far is kept"

    def your_models(self, owner=None) -> dict:
        """The caller's trained models, for the delete list."""
        return gr.Dropdown(choices=self.user_models.owned(owner), value=None)

    def delete_model(self, name, owner=None):
        """Delete one of the caller's models (and its files)."""
        try:
            self.user_models.delete(name, owner)
        except ValueError as error:
            raise gr.Error(str(error), print_exception=False) from error
        except OSError as error:
            log.warning("deleting %s failed: %s", name, error)
            raise gr.Error(f"{name!r} could not be deleted: {error}", print_exception=False) from error
        self.catalog.forget(name)
        return f"deleted **{name}**", gr.Dropdown(choices=self.catalog.choices()), self.your_models(owner)
