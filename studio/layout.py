"""The page: ``build_demo(studio)`` composes one layout function per view
(Generate, Score, Model card, Train), each holding its components as local
variables and wiring its own events to the ``Studio``'s methods; a view
returns only the components that other views' events need."""

from __future__ import annotations

import random
from dataclasses import dataclass

import gradio as gr

from studio.forms import COMPARE, SINGLE_SAMPLE
from studio.handlers import Studio
from studio.settings import EXAMPLES, MAX_COLUMNS, INT8_DEFAULT, PAGE_TEMPERATURES, TRAIN_PRESETS, UPLOAD

CSS = """
body.lm-large .gradio-container { zoom: 1.3; }
#lm-columns { min-height: 180px; }
"""
SAMPLING = "sampling"  # the concurrency group of every request that runs a model


@dataclass
class GenerateView:
    """The Generate view's components that other views' events use."""

    model: gr.Dropdown
    facts: gr.Markdown
    examples: gr.Dataset


@dataclass
class ModelCardView:
    curve: gr.LinePlot
    text: gr.Markdown


def build_demo(studio: Studio) -> gr.Blocks:
    """The whole page over ``studio``, queued with its capacities. Loads the
    first model, so that the first request does not wait for it."""
    default_model = studio.default_model()
    with gr.Blocks(title="LSTM Studio") as demo:
        with gr.Row():
            gr.Markdown("### LSTM Studio · how temperature changes what a language model writes")
            large_type = gr.Checkbox(label="Large type", value=False, scale=0, min_width=140)
        with gr.Tab("Generate"):
            generate = generate_view(studio, default_model)
        with gr.Tab("Score"):
            score_view(studio, default_model)
        with gr.Tab("Model card"):
            card = model_card_view()
        with gr.Tab("Train"):
            train_view(studio, generate.model)
        shown_for_model = [generate.facts, generate.examples, card.text, card.curve]
        generate.model.change(studio.on_model_change, generate.model, shown_for_model, api_visibility="private")
        demo.load(studio.on_model_change, generate.model, shown_for_model, api_visibility="private")
        large_type.change(None, large_type, None, js="(on) => { document.body.classList.toggle('lm-large', on); }")
        api(studio)
    demo.queue(max_size=studio.settings.queue_size, api_open=False, default_concurrency_limit=2)
    return demo


def generate_view(studio: Studio, default_model: str | None) -> GenerateView:
    concurrency = studio.settings.sampling_concurrency
    with gr.Row():
        with gr.Column(scale=1, min_width=340):
            model = gr.Dropdown(studio.catalog.choices(), value=default_model, label="Model")
            facts = gr.Markdown(studio.model_facts(default_model) if default_model else "No checkpoints found.")
            prompt = gr.Textbox(label="Prompt", lines=2,
                                value=EXAMPLES["tiny-shakespeare"][0] if default_model == "tiny-shakespeare" else "")
            with gr.Row():
                run = gr.Button("Generate", variant="primary")
                stop = gr.Button("Stop")
            temperatures = gr.Textbox(PAGE_TEMPERATURES, label=f"Temperatures to compare (up to {MAX_COLUMNS})")
            examples = gr.Dataset(components=[prompt],
                                  samples=studio.examples_for(default_model) if default_model else [[""]],
                                  label="Example prompts (click to use)")
            mode = gr.Radio([COMPARE, SINGLE_SAMPLE], value=COMPARE, label="View")
            temperature = gr.Slider(0, 5, value=0.8, step=0.05, label="Temperature (single sample)")
            with gr.Accordion("Advanced", open=False):
                max_new_tokens = gr.Slider(1, 1000, value=200, step=1, label="Max new tokens")
                with gr.Row():
                    seed = gr.Number(0, precision=0, label="Seed")
                    new_seed = gr.Button("New seed")
                top_k = gr.Number(0, precision=0, label="Top-k (0 = off)")
                top_p = gr.Slider(0.05, 1.0, value=1.0, step=0.05, label="Top-p (1 = off)")
                int8 = gr.Checkbox(INT8_DEFAULT, label="int8 weights (faster on CPU; off = fp32)")
        with gr.Column(scale=3):
            output = gr.HTML(elem_id="lm-columns")
            run_status = gr.Markdown()
            with gr.Accordion("Next-token distribution for the prompt", open=True):
                distribution = gr.HTML()

    settings = [model, prompt, mode, temperature, temperatures, max_new_tokens, seed, top_k, top_p, int8]
    generation = run.click(studio.generate_view, settings, [output, run_status], api_visibility="private",
                           concurrency_limit=concurrency, concurrency_id=SAMPLING)
    run.click(studio.distribution_view, [model, prompt, mode, temperature, temperatures, int8], distribution,
              api_visibility="private", concurrency_limit=concurrency, concurrency_id=SAMPLING)
    stop.click(None, None, None, cancels=[generation])
    new_seed.click(lambda: random.randint(0, 2**31 - 1), None, seed, api_visibility="private", queue=False)
    examples.click(lambda sample: sample[0], examples, prompt, api_visibility="private", queue=False)
    return GenerateView(model, facts, examples)


def score_view(studio: Studio, default_model: str | None) -> None:
    gr.Markdown("### How surprising is this text? Each token is shaded by its surprisal in bits.")
    models = gr.Dropdown(studio.catalog.choices(), value=default_model, multiselect=True, label="Models")
    text = gr.Textbox(label="Text", lines=4)
    button = gr.Button("Score", variant="primary")
    output = gr.HTML()
    button.click(studio.score_view, [models, text], output, api_visibility="private",
                 concurrency_limit=studio.settings.sampling_concurrency, concurrency_id=SAMPLING)


def model_card_view() -> ModelCardView:
    curve = gr.LinePlot(x="epoch", y="loss", color="split", label="Loss per epoch", height=260)
    text = gr.Markdown()
    return ModelCardView(curve, text)


def train_view(studio: Studio, model: gr.Dropdown) -> None:
    """The Train view; a finished run refreshes the Generate view's ``model`` list."""
    corpora = list(studio.settings.corpora)
    with gr.Row():
        with gr.Column():
            corpus_choice = gr.Radio([*corpora, UPLOAD], value="Human Numbers", label="Corpus")
            upload = gr.File(label="Your text (.txt, UTF-8)", file_types=[".txt"], type="filepath")
            level = gr.Radio(["word", "char"], value="word", label="Tokens (uploads)")
        with gr.Column():
            preset = gr.Radio(list(TRAIN_PRESETS), value=list(TRAIN_PRESETS)[0], label="Model size")
            minutes = gr.Slider(0.25, studio.settings.train_minutes, value=1, step=0.25, label="Time budget (minutes)")
            name = gr.Textbox("my-model", label="Save as")
            with gr.Row():
                train_button = gr.Button("Train", variant="primary")
                stop_button = gr.Button("Stop training")
    status = gr.Markdown()
    curve = gr.LinePlot(x="epoch", y="loss", color="split", label="Loss", height=240)
    samples = gr.Textbox(label="Samples after each epoch", lines=8)

    train_button.click(studio.train_view, [corpus_choice, upload, level, preset, minutes, name],
                       [status, curve, samples, model], api_visibility="private",
                       concurrency_limit=studio.settings.train_concurrency)
    stop_button.click(studio.stop_training, None, status, api_visibility="private", queue=False)


def api(studio: Studio) -> None:
    """The public endpoints, ``/generate`` and ``/score``."""
    concurrency = studio.settings.sampling_concurrency
    gr.api(studio.api_generate, api_name="generate", concurrency_limit=concurrency, concurrency_id=SAMPLING)
    gr.api(studio.api_score, api_name="score", concurrency_limit=concurrency, concurrency_id=SAMPLING)
