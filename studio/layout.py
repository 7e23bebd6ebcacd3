"""The page: ``build_demo(studio)`` composes one layout function per view
(Generate, Score, Model card, Train), each holding its components as local
variables and wiring its own events to the ``Studio``'s methods; a view
returns only the components that other views' events need."""

from __future__ import annotations

import random
from dataclasses import dataclass

import gradio as gr

from studio.forms import COMPARE, SINGLE_SAMPLE
from lm.inspection import FEATURES, MAX_INSPECT_TOKENS, MAX_INSPECT_UNITS, SIGNALS
from lm.stepping import MAX_CANDIDATES
from studio.handlers import Studio
from studio.inside import HEATMAP_CLICK, Inside
from studio.step_mode import CANDIDATE_CLICK, StepMode
from studio.every_model import MAX_MODELS as MAX_EVERY_MODELS
from studio.every_model import EveryModel
from studio.time_lapse import TimeLapse
from studio.step_sessions import StepSessions
from studio.scripts import GUESS_NEW_RUN, GUESS_REVEAL, GUESS_SWITCH
from studio.settings import AUTOMATIC, INT8_DEFAULT, MAX_COLUMNS, PAGE_TEMPERATURES, PASTE, SCRATCH, TRAIN_PRESETS, UPLOAD

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
    curve: gr.HTML
    text: gr.Markdown


def build_demo(studio: Studio) -> gr.Blocks:
    """The whole page over ``studio``, queued with its capacities. Loads the
    first model, so that the first request does not wait for it."""
    default_model = studio.default_model()
    inside = Inside(studio)
    step_mode = StepMode(studio, StepSessions(studio.settings.step_sessions, 60 * studio.settings.step_idle_minutes))
    with gr.Blocks(title="LSTM Studio") as demo:
        with gr.Row():
            gr.Markdown("### LSTM Studio · how temperature changes what a language model writes")
            large_type = gr.Checkbox(label="Large type", value=False, scale=0, min_width=140)
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
            train_view(studio, generate.model)
        shown_for_model = [generate.facts, generate.examples, card.text, card.curve]
        generate.model.change(studio.on_model_change, generate.model, shown_for_model, api_visibility="private")
        demo.load(studio.on_model_change, generate.model, shown_for_model, api_visibility="private")
        body_class_switch(large_type, "lm-large")
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
                show_tokens = gr.Checkbox(False, label="Show tokens (boundaries and ids)", scale=0, min_width=250)
                shade = gr.Checkbox(True, label="Shade by probability", scale=0, min_width=200)
            output = gr.HTML(elem_id="lm-columns")
            run_status = gr.Markdown()
            with gr.Accordion("Next-token distribution for the prompt", open=True):
                note = gr.HTML(elem_id="lm-temperature-note")
                distribution = gr.HTML()

    settings = [model, prompt, mode, temperature, temperatures, max_new_tokens, seed, top_k, top_p, int8]
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


def body_class_switch(checkbox: gr.Checkbox, name: str, when: bool = True) -> None:
    """Put CSS class ``name`` on the page's body while ``checkbox`` is
    ``when``: switched in the browser, with no round trip to the server."""
    checkbox.change(None, checkbox, None,
                    js=f"(on) => {{ document.body.classList.toggle('{name}', on === {str(when).lower()}); }}")


def sampler_view(step_mode: StepMode, default_model: str | None) -> None:
    """Step mode: the class picks each next token from the model's candidates."""
    studio = step_mode.studio
    gr.Markdown("### You are the sampler: pick each next token, or let the model draw one")
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            model = gr.Dropdown(studio.catalog.choices(), value=default_model, label="Model")
            prompt = gr.Textbox(label="Prompt", lines=2,
                                value=studio.examples_for(default_model)[0][0] if default_model else "")
            start = gr.Button("Start", variant="primary")
            temperature = gr.Slider(0, 5, value=1.0, step=0.05, label="Temperature")
            k = gr.Slider(1, MAX_CANDIDATES, value=10, step=1, label="Candidates shown (k)")
            seed = gr.Number(0, precision=0, label="Seed")
        with gr.Column(scale=2):
            text = gr.HTML(elem_id="lm-step-text")
            with gr.Row():
                draw = gr.Button("Let the model draw")
                undo = gr.Button("Undo")
            with gr.Row():
                typed = gr.Textbox(label="Your own token", scale=3)
                add = gr.Button("Add", scale=1)
            candidates = gr.HTML(elem_id="lm-candidates", js_on_load=CANDIDATE_CLICK)
    state = gr.State(None, delete_callback=step_mode.sessions.end)
    shown = [candidates, text, state]
    # A step takes a fraction of a millisecond: answered at once, never queued behind a long generation.
    quick = dict(api_visibility="private", show_progress="hidden", queue=False)
    start.click(step_mode.start_view, [state, model, prompt, temperature, k, seed], shown, **quick)
    candidates.click(step_mode.pick_view, [state, temperature, k], shown, **quick)
    draw.click(step_mode.draw_view, [state, temperature, k], shown, **quick)
    undo.click(step_mode.undo_view, [state, temperature, k], shown, **quick)
    add.click(step_mode.type_view, [state, typed, temperature, k], shown, **quick)
    typed.submit(step_mode.type_view, [state, typed, temperature, k], shown, **quick)
    for control in (temperature, k):
        control.change(step_mode.show_view, [state, temperature, k], shown, trigger_mode="always_last", **quick)


def every_model_view(every_model: EveryModel, default_model: str | None) -> None:
    """One prompt through every ticked model."""
    studio = every_model.studio
    gr.Markdown("### Same prompt, every model: what each one makes of it (copied spans underlined)")
    with gr.Row():
        models = gr.CheckboxGroup(studio.catalog.names(), value=every_model.default_models(),
                                  label=f"Models (up to {MAX_EVERY_MODELS})")
        prompt = gr.Textbox(label="Prompt", value=studio.examples_for(default_model)[0][0] if default_model else "")
    with gr.Row():
        temperature = gr.Slider(0, 5, value=0.8, step=0.05, label="Temperature")
        seed = gr.Number(0, precision=0, label="Seed")
        max_new_tokens = gr.Slider(1, 500, value=120, step=1, label="Tokens to generate")
    run = gr.Button("Run every model", variant="primary")
    output = gr.HTML(elem_id="lm-every-model")
    run.click(every_model.view, [models, prompt, temperature, max_new_tokens, seed], output,
              api_visibility="private", concurrency_limit=studio.settings.sampling_concurrency,
              concurrency_id=SAMPLING)


def time_lapse_view(time_lapse: TimeLapse, default_model: str | None) -> None:
    """One prompt through every snapshot a model kept while it trained."""
    studio = time_lapse.studio
    gr.Markdown("### Watching it learn: the same prompt, temperature and seed after more and more training")
    with gr.Row():
        model = gr.Dropdown(studio.catalog.choices(), value=default_model, label="Model")
        prompt = gr.Textbox(label="Prompt", value=studio.examples_for(default_model)[0][0] if default_model else "")
        temperature = gr.Slider(0, 5, value=0.8, step=0.05, label="Temperature")
        seed = gr.Number(0, precision=0, label="Seed")
        max_new_tokens = gr.Slider(1, 500, value=150, step=1, label="Tokens to generate")
    run = gr.Button("Show the time-lapse", variant="primary")
    output = gr.HTML(elem_id="lm-time-lapse")
    run.click(time_lapse.view, [model, prompt, temperature, max_new_tokens, seed], output, api_visibility="private",
              concurrency_limit=studio.settings.sampling_concurrency, concurrency_id=SAMPLING)


def inside_view(inside: Inside, default_model: str | None) -> None:
    """One column sampled with the top LSTM layer's readings: a heatmap of
    units × tokens, the text shaded by a picked unit, units ranked by a
    feature of the text."""
    studio = inside.studio
    gr.Markdown("### Inside the LSTM: the top layer's cell state and gates for every generated token")
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            model = gr.Dropdown(studio.catalog.choices(), value=default_model, label="Model")
            prompt = gr.Textbox(label="Prompt", lines=2,
                                value=studio.examples_for(default_model)[0][0] if default_model else "")
            temperature = gr.Slider(0, 5, value=0.8, step=0.05, label="Temperature")
            max_new_tokens = gr.Slider(1, MAX_INSPECT_TOKENS, value=120, step=1, label="Tokens to generate")
            seed = gr.Number(0, precision=0, label="Seed")
            run = gr.Button("Generate and look inside", variant="primary")
            units = gr.Slider(1, MAX_INSPECT_UNITS, value=16, step=1, label="Units to show")
            signal = gr.Radio(list(SIGNALS), value="cell", label="Signal")
            feature = gr.Dropdown(list(FEATURES), value=list(FEATURES)[0], label="Rank units by")
            unit = gr.Number(None, precision=0, label="Unit (click a heatmap row, or type its number)")
        with gr.Column(scale=3):
            ranking = gr.Markdown()
            heatmap = gr.HTML(elem_id="lm-heatmap", js_on_load=HEATMAP_CLICK)
            text = gr.HTML(elem_id="lm-unit-text")
    run_state = gr.State(None)
    shown = [heatmap, text, ranking, run_state]
    run.click(inside.stream_view, [model, prompt, temperature, max_new_tokens, seed, units, feature, signal, unit],
              shown, api_visibility="private", concurrency_limit=studio.settings.sampling_concurrency,
              concurrency_id=SAMPLING)
    for control in (units, signal, feature, unit):
        control.change(inside.unit_view, [run_state, units, feature, signal, unit], shown, api_visibility="private",
                       show_progress="hidden")
    heatmap.click(inside.clicked_unit, None, unit, api_visibility="private", show_progress="hidden")


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


def train_view(studio: Studio, model: gr.Dropdown) -> None:
    """The Train view; a finished run refreshes the Generate view's ``model`` list."""
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
                stop_button = gr.Button("Stop training")
    status = gr.Markdown()
    curve = gr.HTML(elem_id="lm-train-curve", label="Loss")
    samples = gr.Textbox(label="Samples after each epoch", lines=8)

    train_button.click(studio.train_view, [corpus_choice, upload, level, preset, minutes, name, pasted, start_from],
                       [status, curve, samples, model], api_visibility="private",
                       concurrency_limit=studio.settings.train_concurrency)
    stop_button.click(studio.stop_training, None, status, api_visibility="private", queue=False)


def api(studio: Studio, inside: Inside, step_mode: StepMode) -> None:
    """The public endpoints, ``/generate``, ``/score``, ``/inspect`` and ``/step``."""
    concurrency = studio.settings.sampling_concurrency
    gr.api(step_mode.api_step, api_name="step", queue=False)
    gr.api(inside.api_inspect, api_name="inspect", concurrency_limit=concurrency, concurrency_id=SAMPLING)
    gr.api(studio.api_generate, api_name="generate", concurrency_limit=concurrency, concurrency_id=SAMPLING)
    gr.api(studio.api_score, api_name="score", concurrency_limit=concurrency, concurrency_id=SAMPLING)
