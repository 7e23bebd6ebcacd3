"""The page: ``build_demo(studio)`` puts one tab after another (each tab's
layout and callbacks live in its module of ``studio.tabs``), wires what
spans tabs (a model picked on Generate fills the Model card; the header's
switches; a token of a Generate column or the sampler's last token explained
on the One step tab), and opens the public endpoints ``/generate``,
``/score``, ``/inspect``, ``/explain`` and ``/step``; beside the page it
returns the plain routes that ``app.py`` hands to ``launch`` (the sampler's
clicks, ``studio.step_route``)."""

from __future__ import annotations

import gradio as gr
from starlette.routing import Route

from studio.core import OPEN_ONE_STEP, SAMPLING, Studio, body_class_switch, user_error
from studio.scenes import read_scenes
from studio.tabs.every_model import every_model_tab
from studio.tabs.generate import Generate, GenerateView, generate_tab
from studio.tabs.inside import Inside, inside_tab
from studio.tabs.model_card import card_and_curve, model_card_tab
from studio.tabs.one_step import Explainer, one_step_tab
from studio.tabs.presenter import ON_LOAD as PRESENTER_ON_LOAD
from studio.tabs.presenter import SWITCH as PRESENTER_SWITCH
from studio.tabs.presenter import Presenter, presenter_tab
from studio.tabs.sampler import SamplerView, StepMode, StepSessions, sampler_tab
from studio.tabs.score import Score, score_tab
from studio.tabs.time_lapse import time_lapse_tab
from studio.tabs.train import Train, train_tab
from studio.step_route import step_routes

CSS = """
body.lm-large .gradio-container { zoom: 1.3; }
#lm-columns { min-height: 180px; }
/* Contrast of at least 4.5 : 1 (WCAG AA) for the theme's white-on-orange buttons, orange tab names and grey hints. */
.gradio-container {
  --button-primary-background-fill: #c2410c; --button-primary-background-fill-hover: #9a3412;
  --body-text-color-subdued: #52525b; --block-info-text-color: #52525b; --color-accent: #c2410c;
}
/* The dark theme keeps its own light grey and bright orange, which already read well on its dark ground. */
.dark .gradio-container { --body-text-color-subdued: #bbbbc2; --block-info-text-color: #bbbbc2; --color-accent: #f97316; }
/* A code block wraps rather than scrolls, and a table too wide scrolls in a box the keyboard can reach. */
.gradio-container .prose pre, .gradio-container .prose pre code {
  white-space: pre-wrap !important; word-break: break-word; overflow-x: visible !important;
}
.lm-table-scroll { overflow-x: auto; }
.lm-table-scroll th, .lm-table-scroll td { white-space: nowrap; word-break: normal; }
/* (Gradio scopes the rules inside a media query to the page's container: their selectors name what lies in it.)
   On a phone the header is one short line, the name (the projector's switches are for larger screens),
   and no text is under 16 px: the theme's small sizes and our notes, labels and charts grow to 16 px. */
@media (max-width: 640px) {
  #lm-header > :not(#lm-title) { display: none; }
  #lm-title h3 { margin: 0; }
  .lm-subtitle { display: none; }
  .column {
    --text-xxs: 16px; --text-xs: 16px; --text-sm: 16px; --text-md: 16px;
    --block-label-text-size: 16px; --block-info-text-size: 16px; --block-title-text-size: 16px;
    --section-header-text-size: 16px; --input-text-size: 16px; --button-small-text-size: 16px;
    --checkbox-label-text-size: 16px; --body-text-size: 16px; --button-medium-text-size: 16px; --prose-text-size: 16px;
  }
  .lm-note, .lm-novelty, .lm-lapse-figure, .lm-candidates.lm-last-draw, .lm-eos, .lm-heatmap, .lm-heatmap th {
    font-size: 16px;
  }
  .lm-heatmap th { line-height: 18px; }
  .gallery, .wrap, .or { font-size: 16px; }  /* example prompts; the file box's "Drop File Here" */
}
/* The footer lies outside the page's container, where a media query of ours cannot reach: 16 px under 640 px wide. */
footer, footer * { font-size: clamp(14px, calc((640px - 100vw) * 100), 16px) !important; }
/* A user's error shows once, in its message: the output boxes do not repeat it as a red "Error" badge. */
[data-testid="status-tracker"]:has(> .error) { display: none !important; }
"""


def build_demo(studio: Studio) -> tuple[gr.Blocks, list[Route]]:
    """The whole page over ``studio``, queued with its capacities, and the
    plain routes to serve beside it (``launch(app_kwargs={"routes": ...})``).
    Loads the first model, so that the first request does not wait for it."""
    default_model = studio.default_model()
    inside, train = Inside(studio), Train(studio)
    step_mode = StepMode(studio, StepSessions(studio.settings.step_sessions, 60 * studio.settings.step_idle_minutes))
    generate, explainer = Generate(studio), Explainer(studio, step_mode.sessions)
    with gr.Blocks(title="LSTM Studio") as demo:
        owner = gr.BrowserState(None, storage_key="lm-studio-owner", secret=studio.user_models.secret())
        with gr.Row(elem_id="lm-header"):
            gr.Markdown("### LSTM Studio<span class='lm-subtitle'> · how temperature changes what a language model "
                        "writes</span>", elem_id="lm-title")
            large_type = gr.Checkbox(label="Large type", value=False, scale=0, min_width=140)
            presenting = gr.Checkbox(label="Presenter mode", value=False, scale=0, min_width=160)
        with gr.Tab("Generate"):
            shown = generate_tab(generate, default_model)
        with gr.Tab("You are the sampler"):
            sampler = sampler_tab(step_mode, default_model)
        with gr.Tab("Every model"):
            every_model_tab(studio, default_model)
        with gr.Tab("Time-lapse"):
            time_lapse_tab(studio, default_model)
        with gr.Tab("One step"):
            explained = one_step_tab(explainer, default_model)
        with gr.Tab("Inside"):
            inside_tab(inside, default_model)
        with gr.Tab("Score"):
            score_tab(studio, default_model)
        with gr.Tab("Model card"):
            card = model_card_tab()
        with gr.Tab("Train"):
            yours = train_tab(train, shown.model, owner)
        with gr.Tab("Presenter"):
            presenter_tab(Presenter(studio, read_scenes(studio.settings.scenes_file), step_mode, inside, explainer))
        shown_for_model = [shown.facts, shown.examples, card.text, card.curve]

        def model_change(name, progress=gr.Progress()):
            return on_model_change(studio, name, progress)

        shown.model.change(model_change, shown.model, shown_for_model, api_visibility="private")
        demo.load(model_change, shown.model, shown_for_model, api_visibility="private")
        demo.load(train.owner_token, owner, owner, api_visibility="private", queue=False).then(
            train.your_models, owner, yours, api_visibility="private", queue=False)
        body_class_switch(large_type, "lm-large")
        presenting.change(None, presenting, None, js=PRESENTER_SWITCH)
        demo.load(None, None, None, js=PRESENTER_ON_LOAD)
        explain_from_other_tabs(studio, explainer, explained, shown, sampler)
        api(studio, generate, inside, step_mode, explainer)
    demo.queue(max_size=studio.settings.queue_size, api_open=False, default_concurrency_limit=2)
    return demo, step_routes(step_mode)


def on_model_change(studio: Studio, name: str, progress=gr.Progress()):
    """What the page shows for model ``name`` once it is picked (downloaded
    first, with progress, when it comes from the Hub): its facts and example
    prompts on the Generate tab, its card and loss chart on the Model card tab."""

    def downloaded(done: int, total: int) -> None:
        progress(done / total if total else None, desc=f"downloading {name}: {done / 1e6:.1f} MB")

    try:
        studio.catalog.get(name, progress=downloaded)
        facts = studio.model_facts(name)
        card, curve = card_and_curve(studio, name)
    except ValueError as error:
        raise user_error(error) from error
    return facts, gr.Dataset(samples=studio.examples_for(name)), card, curve


def explain_from_other_tabs(studio: Studio, explainer: Explainer, explained: list, generate: GenerateView,
                            sampler: SamplerView) -> None:
    """A token clicked in a Generate column, and the sampler's "Explain the last token", shown on One step."""
    generate.output.click(explainer.generate_view, generate.settings, explained, api_visibility="private",
                          concurrency_limit=studio.settings.sampling_concurrency, concurrency_id=SAMPLING)
    sampler.explain.click(explainer.sampler_view, [sampler.state, sampler.temperature], explained,
                          api_visibility="private", show_progress="hidden", queue=False)
    sampler.explain.click(None, None, None, js=OPEN_ONE_STEP)


def api(studio: Studio, generate: Generate, inside: Inside, step_mode: StepMode, explainer: Explainer) -> None:
    """The public endpoints, ``/generate``, ``/score``, ``/inspect``, ``/explain`` and ``/step``."""
    concurrency = studio.settings.sampling_concurrency
    gr.api(step_mode.api_step, api_name="step", queue=False)
    gr.api(explainer.api_explain, api_name="explain", concurrency_limit=concurrency, concurrency_id=SAMPLING)
    gr.api(inside.api_inspect, api_name="inspect", concurrency_limit=concurrency, concurrency_id=SAMPLING)
    gr.api(generate.api_generate, api_name="generate", concurrency_limit=concurrency, concurrency_id=SAMPLING)
    gr.api(Score(studio).api_score, api_name="score", concurrency_limit=concurrency, concurrency_id=SAMPLING)
