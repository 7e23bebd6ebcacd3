"""Presenter mode (``?presenter=1``, or the switch in the header): the lesson
as a fixed sequence of scenes (``studio.scenes``) in large type for a
projector, Previous / Next buttons and the arrow keys, each scene's settings
locked, and the address students use to join with its QR code."""

from __future__ import annotations

import os
import socket
from html import escape

import gradio as gr

from lm.sampling import SamplingSettings, generate
from studio.core import SAMPLING, Studio
from studio.forms import COMPARE
from studio.html import presenter as html
from studio.html.novelty import marked_text, novelty, novelty_note
from studio.scenes import Scene
from studio.tabs.every_model import EveryModel
from studio.tabs.generate import Generate
from studio.html.one_step_script import EXPLAIN_SCRIPT
from studio.tabs.inside import Inside
from studio.tabs.one_step import Explainer
from studio.tabs.sampler import CANDIDATE_CLICK, StepMode
from studio.tabs.time_lapse import TimeLapse

# In the browser: presenter mode from the address, and the arrow keys.
ON_LOAD = """
() => {
  if (new URLSearchParams(window.location.search).get('presenter') === '1') {
    document.body.classList.add('lm-presenter-mode');
    const tab = [...document.querySelectorAll('button[role=tab], .overflow-dropdown button')]
      .find((button) => button.textContent.trim() === 'Presenter');
    if (tab) tab.click();
  }
  document.addEventListener('keydown', (event) => {
    if (!document.body.classList.contains('lm-presenter-mode') || event.target.closest('input, textarea')) return;
    const id = {ArrowRight: 'lm-next', ArrowLeft: 'lm-previous'}[event.key];
    if (id) document.getElementById(id)?.click();
  });
}
"""


SWITCH = "(on) => { document.body.classList.toggle('lm-presenter-mode', on); }"


def lan_address() -> str:
    """This machine's address on the room's network (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            return probe.getsockname()[0]
        except OSError:
            return "127.0.0.1"


def join_address(request: gr.Request | None) -> str:
    """The address students type: ``$LM_PUBLIC_URL``, else this machine's
    network address with the port the page was served on."""
    if os.environ.get("LM_PUBLIC_URL"):
        return os.environ["LM_PUBLIC_URL"]
    host = request.headers.get("host", "") if request is not None else ""
    port = host.rsplit(":", 1)[1] if ":" in host else "7860"
    return f"http://{lan_address()}:{port}/"


class Presenter:
    """The scenes and the views they run, over a ``Studio``."""

    def __init__(self, studio: Studio, scenes: list[Scene], step_mode: StepMode, inside: Inside,
                 explainer: Explainer):
        self.studio, self.scenes, self.step_mode, self.inside = studio, scenes, step_mode, inside
        self.explainer = explainer
        self.generate, self.every_model, self.time_lapse = Generate(studio), EveryModel(studio), TimeLapse(studio)

    def heading(self, index: int) -> str:
        scene = self.scenes[index]
        return html.heading(scene.title, scene.say, index, len(self.scenes))

    def show(self, index, step_state, request: gr.Request = None):
        """Yield (heading, output, scene index, step state, join address) for scene ``index``."""
        index = max(0, min(int(index or 0), len(self.scenes) - 1))
        self.step_mode.sessions.end(step_state)
        join, step_state = html.join_html(join_address(request)), None
        yield self.heading(index), html.output("…", False), index, step_state, join
        scene, content = self.scenes[index], ""
        try:
            for content, step_state in self._run(scene):
                yield self.heading(index), html.output(content, False), index, step_state, join
        except gr.Error as error:
            content = f"this scene could not run: {escape(str(error))}"
        yield self.heading(index), html.output(content, True), index, step_state, join

    def pick(self, step_state, index, event: gr.EventData):
        """A click on a candidate in a sampler scene."""
        scene = self.scenes[max(0, min(int(index or 0), len(self.scenes) - 1))]
        settings = scene.settings
        candidates, text, step_state = self.step_mode.pick_view(step_state, settings.get("temperature", 1.0),
                                                                settings.get("k", 10), event)
        return html.output(text + candidates, True), step_state

    def _run(self, scene: Scene):
        """(content, step state) as the scene's view draws."""
        s = scene.settings
        model, prompt, seed = s.get("model", ""), s.get("prompt", ""), s.get("seed", 0)
        tokens = s.get("max_new_tokens", 100)
        if scene.kind == "generate":
            temperatures = ", ".join(str(t) for t in s.get("temperatures", [0.8]))
            for columns, _ in self.generate.view(model, prompt, COMPARE, 0.8, temperatures, tokens, seed, 0, 1.0):
                yield (f'<div class="lm-show-tokens">{columns}</div>' if s.get("show_tokens") else columns), None
        elif scene.kind == "copied":
            yield self.copied(model, prompt, s.get("temperatures", [0.3, 1.2]), tokens, seed), None
        elif scene.kind == "every-model":
            for page in self.every_model.view(s.get("models", []), prompt, s.get("temperature", 0.8), tokens, seed):
                yield page, None
        elif scene.kind == "time-lapse":
            for page in self.time_lapse.view(model, prompt, s.get("temperature", 0.8), tokens, seed):
                yield page, None
        elif scene.kind == "inside":
            for heatmap, text, _, _ in self.inside.stream_view(model, prompt, s.get("temperature", 0.8), tokens, seed,
                                                               s.get("units", 8), "start of a line", "cell", None):
                yield heatmap + text, None
        elif scene.kind == "explain":
            yield self.explainer.scene(model, prompt, s.get("temperature", 0.8), s.get("max_new_tokens", 40), seed,
                                       s.get("position")), None
        elif scene.kind == "sampler":
            candidates, text, state = self.step_mode.start_view(None, model, prompt, s.get("temperature", 1.0),
                                                                s.get("k", 8), 0)
            yield text + candidates, state
        else:
            yield "", None

    def copied(self, model: str, prompt: str, temperatures: list[float], tokens: int, seed: int) -> str:
        """One column per temperature, copied spans underlined, % new under each."""
        entry = self.studio.catalog.get(model)
        samples = generate(entry.engine(True), entry.tokenizer, prompt,
                           SamplingSettings(temperatures, tokens, seed))
        prompt_ids = [] if samples.prompt.fresh_start else samples.prompt.ids
        shown_prompt = entry.tokenizer.decode(prompt_ids)
        columns = []
        for sample in samples.samples:
            copied = novelty(entry.training_index(), prompt_ids, sample.token_ids)
            columns.append((sample.temperature, novelty_note(copied),
                            marked_text(entry.tokenizer, shown_prompt, sample.token_ids, copied)))
        return html.copied_columns(columns)


def presenter_tab(presenter: Presenter) -> None:
    """The lesson's scenes in large type: Previous / Next (or the arrow keys)."""
    heading = gr.HTML(presenter.heading(0), elem_id="lm-presenter-scene")
    output = gr.HTML(elem_id="lm-presenter-output", js_on_load=CANDIDATE_CLICK + EXPLAIN_SCRIPT)
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
