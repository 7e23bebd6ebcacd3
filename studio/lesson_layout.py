"""The page layout of the lesson views: "You are the sampler", "Every model",
"Time-lapse", "Inside" and "Presenter"; one function per view, each holding
its components as local variables and wiring its events to its handler."""

from __future__ import annotations

import gradio as gr

from lm.lesson.inspection import FEATURES, MAX_INSPECT_TOKENS, MAX_INSPECT_UNITS, SIGNALS
from lm.lesson.stepping import MAX_CANDIDATES
from studio.every_model import MAX_MODELS as MAX_EVERY_MODELS
from studio.every_model import EveryModel
from studio.handlers import Studio
from studio.inside import HEATMAP_CLICK, Inside
from studio.presenter import Presenter
from studio.step_mode import CANDIDATE_CLICK, StepMode
from studio.time_lapse import TimeLapse

SAMPLING = "sampling"  # the concurrency group of every request that runs a model


def model_and_prompt(studio: Studio, default_model: str | None) -> tuple[gr.Dropdown, gr.Textbox]:
    """A view's model picker and prompt box, the prompt one of the model's examples."""
    model = gr.Dropdown(studio.catalog.choices(), value=default_model, label="Model")
    prompt = gr.Textbox(label="Prompt", lines=2, value=studio.examples_for(default_model)[0][0] if default_model else "")
    return model, prompt


def presenter_view(presenter: Presenter) -> None:
    """The lesson's scenes in large type: Previous / Next (or the arrow keys)."""
    heading = gr.HTML(presenter.heading(0), elem_id="lm-presenter-scene")
    output = gr.HTML(elem_id="lm-presenter-output", js_on_load=CANDIDATE_CLICK)
    with gr.Row():
        previous = gr.Button("◀ Previous", elem_id="lm-previous", scale=0, min_width=140)
        show = gr.Button("Show this scene", variant="primary", scale=0, min_width=180)
        following = gr.Button("Next ▶", elem_id="lm-next", scale=0, min_width=140)
        join = gr.HTML()
    index, step_state = gr.State(0), gr.State(None, delete_callback=presenter.step_mode.sessions.end)
    shown = [heading, output, index, step_state, join]
    quiet = dict(api_visibility="private", show_progress="hidden",
                 concurrency_limit=presenter.studio.settings.sampling_concurrency, concurrency_id=SAMPLING)
    show.click(presenter.show, [index, step_state], shown, **quiet)
    following.click(lambda at: at + 1, index, index, queue=False).then(presenter.show, [index, step_state], shown,
                                                                       **quiet)
    previous.click(lambda at: at - 1, index, index, queue=False).then(presenter.show, [index, step_state], shown,
                                                                      **quiet)
    output.click(presenter.pick, [step_state, index], [output, step_state], api_visibility="private",
                 show_progress="hidden", queue=False)


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
        model, prompt = model_and_prompt(studio, default_model)
        temperature = gr.Slider(0, 5, value=0.8, step=0.05, label="Temperature")
        seed = gr.Number(0, precision=0, label="Seed")
        max_new_tokens = gr.Slider(1, 500, value=150, step=1, label="Tokens to generate")
    run = gr.Button("Show the time-lapse", variant="primary")
    output = gr.HTML(elem_id="lm-time-lapse")
    run.click(time_lapse.view, [model, prompt, temperature, max_new_tokens, seed], output, api_visibility="private",
              concurrency_limit=studio.settings.sampling_concurrency, concurrency_id=SAMPLING)


def sampler_view(step_mode: StepMode, default_model: str | None) -> None:
    """Step mode: the class picks each next token from the model's candidates."""
    studio = step_mode.studio
    gr.Markdown("### You are the sampler: pick each next token, or let the model draw one")
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            model, prompt = model_and_prompt(studio, default_model)
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


def inside_view(inside: Inside, default_model: str | None) -> None:
    """One column sampled with the top LSTM layer's readings: a heatmap of
    units × tokens, the text shaded by a picked unit, units ranked by a
    feature of the text."""
    studio = inside.studio
    gr.Markdown("### Inside the LSTM: the top layer's cell state and gates for every generated token")
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            model, prompt = model_and_prompt(studio, default_model)
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
