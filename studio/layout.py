"""The page: ``build_demo(studio)`` composes one layout function per view
(Generate, Score, Model card, Train), each holding its components as local
variables and wiring its own events to the ``Studio``'s methods; a view
returns only the components that other views' events need."""

from __future__ import annotations

import random
from dataclasses import dataclass

import gradio as gr

from studio.every_model import EveryModel
from studio.forms import COMPARE, SINGLE_SAMPLE
from studio.handlers import Studio
from studio.handout import Handout
from studio.inside import Inside
from studio.lesson_layout import SAMPLING, every_model_view, inside_view, presenter_view, sampler_view, time_lapse_view
from studio.presenter import ON_LOAD as PRESENTER_ON_LOAD
from studio.presenter import Presenter
from studio.presenter import SWITCH as PRESENTER_SWITCH
from studio.scenes import read_scenes
from studio.scripts import GUESS_NEW_RUN, GUESS_REVEAL, GUESS_SWITCH
from studio.step_mode import StepMode
from studio.step_sessions import StepSessions
from studio.time_lapse import TimeLapse
from studio.settings import (
    AUTOMATIC,
    INT8_DEFAULT,
    MAX_COLUMNS,
    PAGE_TEMPERATURES,
    PASTE,
    SCRATCH,
    TRAIN_PRESETS,
    UPLOAD,
)

CSS = """
body.lm-large .gradio-container { zoom: 1.3; }
#lm-columns { min-height: 180px; }
"""


@dataclass
class GenerateView:
    """The Generate view's components that other views' events use."""

    model: gr.Dropdown
    facts: gr.Markdown
    examples: gr.Dataset


@dataclass
class ModelCardView:
    curve: gr.HTML
    text: gr.Markdown


def build_demo(studio: Studio) -> gr.Blocks:
    """The whole page over ``studio``, queued with its capacities. Loads the
    first model, so that the first request does not wait for it."""
    default_model = studio.default_model()
    inside = Inside(studio)
    step_mode = StepMode(studio, StepSessions(studio.settings.step_sessions, 60 * studio.settings.step_idle_minutes))
    with gr.Blocks(title="LSTM Studio") as demo:
        owner = gr.BrowserState(None, storage_key="lm-studio-owner", secret=studio.training.user_models.secret())
        with gr.Row(elem_id="lm-header"):
            gr.Markdown("### LSTM Studio · how temperature changes what a language model writes")
            large_type = gr.Checkbox(label="Large type", value=False, scale=0, min_width=140)
            presenting = gr.Checkbox(label="Presenter mode", value=False, scale=0, min_width=160)
        with gr.Tab("Generate"):
            generate = generate_view(studio, default_model)
        with gr.Tab("You are the sampler"):
            sampler_view(step_mode, default_model)
        with gr.Tab("Every model"):
            every_model_view(EveryModel(studio), default_model)
        with gr.Tab("Time-lapse"):
            time_lapse_view(TimeLapse(studio), default_model)
        with gr.Tab("Inside"):
            inside_view(inside, default_model)
        with gr.Tab("Score"):
            score_view(studio, default_model)
        with gr.Tab("Model card"):
            card = model_card_view()
        with gr.Tab("Train"):
            yours = train_view(studio, generate.model, owner)
        with gr.Tab("Presenter"):
            presenter_view(Presenter(studio, read_scenes(studio.settings.scenes_file), step_mode, inside))
        shown_for_model = [generate.facts, generate.examples, card.text, card.curve]
        generate.model.change(studio.on_model_change, generate.model, shown_for_model, api_visibility="private")
        demo.load(studio.on_model_change, generate.model, shown_for_model, api_visibility="private")
        demo.load(studio.training.owner_token, owner, owner, api_visibility="private", queue=False).then(
            studio.training.your_models, owner, yours, api_visibility="private", queue=False)
        body_class_switch(large_type, "lm-large")
        presenting.change(None, presenting, None, js=PRESENTER_SWITCH)
        demo.load(None, None, None, js=PRESENTER_ON_LOAD)
        api(studio, inside, step_mode)
    demo.queue(max_size=studio.settings.queue_size, api_open=False, default_concurrency_limit=2)
    return demo


def generate_view(studio: Studio, default_model: str | None) -> GenerateView:
    concurrency = studio.settings.sampling_concurrency
    with gr.Row():
        with gr.Column(scale=1, min_width=340):
            model = gr.Dropdown(studio.catalog.choices(), value=default_model, label="Model")
            facts = gr.Markdown(studio.model_facts(default_model) if default_model else "No checkpoints found.")
            prompt = gr.Textbox(label="Prompt", lines=2,
                                value=studio.examples_for(default_model)[0][0] if default_model else "")
            with gr.Row():
                run = gr.Button("Generate", variant="primary")
                stop = gr.Button("Stop")
            temperatures = gr.Textbox(PAGE_TEMPERATURES, label=f"Temperatures to compare (up to {MAX_COLUMNS})")
            examples = gr.Dataset(components=[prompt],
                                  samples=studio.examples_for(default_model) if default_model else [[""]],
                                  label="Example prompts (click to use)")
            mode = gr.Radio([COMPARE, SINGLE_SAMPLE], value=COMPARE, label="View")
            temperature = gr.Slider(0, 5, value=0.8, step=0.05, label="Temperature (single sample)")
            with gr.Row():
                guess = gr.Checkbox(False, label="Guess the temperature", info="hide and shuffle the column labels",
                                    scale=0, min_width=220)
                reveal = gr.Button("Reveal", size="sm", scale=0, min_width=90)
            with gr.Accordion("Advanced", open=False):
                max_new_tokens = gr.Slider(1, 1000, value=200, step=1, label="Max new tokens")
                with gr.Row():
                    seed = gr.Number(0, precision=0, label="Seed")
                    new_seed = gr.Button("New seed")
                top_k = gr.Number(0, precision=0, label="Top-k (0 = off)")
                top_p = gr.Slider(0.05, 1.0, value=1.0, step=0.05, label="Top-p (1 = off)")
                int8 = gr.Checkbox(INT8_DEFAULT, label="int8 weights (faster on CPU; off = fp32)")
        with gr.Column(scale=3):
            with gr.Row():
                show_tokens = gr.Checkbox(False, label="Show tokens", scale=0, min_width=160)
                shade = gr.Checkbox(True, label="Shade by probability", scale=0, min_width=200)
            output = gr.HTML(elem_id="lm-columns")
            run_status = gr.Markdown()
            handout_button, handout_files = handout_row()
            with gr.Accordion("Next-token distribution for the prompt", open=True):
                note = gr.HTML(elem_id="lm-temperature-note")
                distribution = gr.HTML()

    settings = [model, prompt, mode, temperature, temperatures, max_new_tokens, seed, top_k, top_p, int8]
    handout_button.click(Handout(studio).files, settings, handout_files, api_visibility="private",
                         concurrency_limit=concurrency, concurrency_id=SAMPLING)
    generation = run.click(studio.generate_view, settings, [output, run_status], api_visibility="private",
                           concurrency_limit=concurrency, concurrency_id=SAMPLING)
    run.click(studio.distribution_view, [model, prompt, mode, temperature, temperatures, int8], [distribution, note],
              api_visibility="private", concurrency_limit=concurrency, concurrency_id=SAMPLING)
    temperature.change(studio.temperature_view, [model, prompt, temperature, int8], [distribution, note],
                       api_visibility="private", trigger_mode="always_last", show_progress="hidden",
                       concurrency_limit=concurrency)
    guess.change(None, guess, None, js=GUESS_SWITCH)
    reveal.click(None, None, None, js=GUESS_REVEAL)
    run.click(None, None, None, js=GUESS_NEW_RUN)
    stop.click(None, None, None, cancels=[generation])
    new_seed.click(lambda: random.randint(0, 2**31 - 1), None, seed, api_visibility="private", queue=False)
    examples.click(lambda sample: sample[0], examples, prompt, api_visibility="private", queue=False)
    model.change(studio.offered_prompt, [model, prompt], prompt, api_visibility="private")
    body_class_switch(show_tokens, "lm-show-tokens")
    body_class_switch(shade, "lm-no-shade", when=False)
    return GenerateView(model, facts, examples)


def handout_row() -> tuple[gr.Button, gr.File]:
    """The Generate view's handout button and the files it offers."""
    with gr.Row():
        button = gr.Button("Download a handout", scale=0, min_width=200)
        files = gr.File(label="Handout (Markdown and HTML)", file_count="multiple", elem_id="lm-handout")
    return button, files


def body_class_switch(checkbox: gr.Checkbox, name: str, when: bool = True) -> None:
    """Put CSS class ``name`` on the page's body while ``checkbox`` is
    ``when``: switched in the browser, with no round trip to the server."""
    checkbox.change(None, checkbox, None,
                    js=f"(on) => {{ document.body.classList.toggle('{name}', on === {str(when).lower()}); }}")


def score_view(studio: Studio, default_model: str | None) -> None:
    gr.Markdown("### How surprising is this text? Each token is shaded by its surprisal in bits.")
    models = gr.Dropdown(studio.catalog.choices(), value=default_model, multiselect=True, label="Models")
    text = gr.Textbox(label="Text", lines=4)
    button = gr.Button("Score", variant="primary")
    output = gr.HTML()
    button.click(studio.score_view, [models, text], output, api_visibility="private",
                 concurrency_limit=studio.settings.sampling_concurrency, concurrency_id=SAMPLING)


def model_card_view() -> ModelCardView:
    curve = gr.HTML(elem_id="lm-card-curve", label="Loss per epoch")
    text = gr.Markdown()
    return ModelCardView(curve, text)


def train_view(studio: Studio, model: gr.Dropdown, owner: gr.BrowserState) -> gr.Dropdown:
    """The Train view; a finished run refreshes the Generate view's ``model``
    list. ``owner`` is the browser's owner token; the list of its models is
    returned, for the page load to fill."""
    training = studio.training
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


def api(studio: Studio, inside: Inside, step_mode: StepMode) -> None:
    """The public endpoints, ``/generate``, ``/score``, ``/inspect`` and ``/step``."""
    concurrency = studio.settings.sampling_concurrency
    gr.api(step_mode.api_step, api_name="step", queue=False)
    gr.api(inside.api_inspect, api_name="inspect", concurrency_limit=concurrency, concurrency_id=SAMPLING)
    gr.api(studio.api_generate, api_name="generate", concurrency_limit=concurrency, concurrency_id=SAMPLING)
    gr.api(studio.api_score, api_name="score", concurrency_limit=concurrency, concurrency_id=SAMPLING)
