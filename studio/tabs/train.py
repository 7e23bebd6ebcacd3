"""The Train tab on a shared server: a class trains a model on a corpus or
its own text, follows the queue and the run, and manages the models it
trained (who owns which, stopping, leaving and deleting).

Each browser holds an owner token (``studio.training.user_models``); the
page hands it to every call here. A run is checked (name free or the
caller's own, caps), queued in the ``Trainer``, trained in ``.training/`` by
a child process and moved into the list when it ends well, whether or not
anyone still watches. The uploaded or pasted text is deleted when the run
ends, however it ends.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import gradio as gr

from studio import forms
from studio.core import Studio
from studio.html.train import TrainingLog, queue_status
from studio.settings import AUTOMATIC, PASTE, SCRATCH, TRAIN_PRESETS, UPLOAD
from studio.training.jobs import FINISHED, LEFT, WAITING, Job, TrainerBusy, TrainingFailed
from studio.training.user_models import new_token, token_hash

log = logging.getLogger(__name__)


def remove(paths: tuple[Path, ...]) -> None:
    """Delete files and folders; what is already gone is fine."""
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


class Train:
    """The Train tab's callbacks over a ``Studio``: its catalog lists the
    trained models, its trainer queues the runs, its user models say who
    owns which."""

    def __init__(self, studio: Studio):
        self.studio = studio
        self.settings, self.catalog = studio.settings, studio.catalog
        self.user_models, self.trainer = studio.user_models, studio.trainer

    def owner_token(self, stored: str | None) -> str:
        """The browser's owner token: the stored one, or a new one to store."""
        return stored if isinstance(stored, str) and len(stored) >= 16 else new_token()

    def train_view(self, corpus_choice, upload, level, preset, minutes, name, pasted="", start_from=SCRATCH,
                   owner=None, progress=gr.Progress()):
        """Queue a run and follow it: status (the queue place while it
        waits), loss curve, recent samples; the last update refreshes the
        model lists."""
        job = self._submit(corpus_choice, upload, level, preset, minutes, name, pasted, start_from, owner)
        log_view, done = TrainingLog(job.name), None
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


def train_tab(training: Train, model: gr.Dropdown, owner: gr.BrowserState) -> gr.Dropdown:
    """The Train tab; a finished run refreshes the Generate view's ``model``
    list. ``owner`` is the browser's owner token; the list of its models is
    returned, for the page load to fill."""
    studio = training.studio
    corpora = list(studio.settings.corpora)
    with gr.Row():
        with gr.Column():
            corpus_choice = gr.Radio([*corpora, UPLOAD, PASTE], value="Human Numbers", label="Corpus")
            with gr.Row():
                upload = gr.File(label="Your text (.txt, UTF-8)", file_types=[".txt"], type="filepath")
                pasted = gr.Textbox(label="Or paste your text", lines=4, placeholder="what the class wrote together")
            level = gr.Radio(["word", "char"], value="word", label="Tokens (your text)")
        with gr.Column():
            start_from = gr.Dropdown([SCRATCH, *studio.catalog.names()], value=SCRATCH, label="Start from")
            preset = gr.Radio([AUTOMATIC, *TRAIN_PRESETS], value=AUTOMATIC, label="Model size")
            minutes = gr.Slider(0.25, studio.settings.train_minutes, value=1, step=0.25, label="Time budget (minutes)")
            name = gr.Textbox("my-model", label="Save as")
            with gr.Row():
                train_button = gr.Button("Train", variant="primary")
                stop_button = gr.Button("Stop training / leave the queue")
    status = gr.Markdown(elem_id="lm-train-status")
    curve = gr.HTML(elem_id="lm-train-curve", label="Loss")
    samples = gr.Textbox(label="Samples after each epoch", lines=8)
    with gr.Accordion("Your trained models", open=False):
        gr.Markdown("Everyone can use every trained model; only the browser that trained one can replace or delete it.")
        with gr.Row():
            yours = gr.Dropdown([], label="Trained in this browser", scale=3)
            delete_button = gr.Button("Delete", variant="stop", scale=1)

    train_button.click(training.train_view,
                       [corpus_choice, upload, level, preset, minutes, name, pasted, start_from, owner],
                       [status, curve, samples, model, yours], api_visibility="private",
                       concurrency_limit=studio.settings.train_queue + 2)
    stop_button.click(training.stop_training, owner, status, api_visibility="private", queue=False)
    delete_button.click(training.delete_model, [yours, owner], [status, model, yours], api_visibility="private")
    return yours
