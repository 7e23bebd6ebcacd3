"""Presenter mode (``?presenter=1``, or the switch in the header): the lesson
as a fixed sequence of scenes (``studio.scenes``) in large type for a
projector, Previous / Next buttons and the arrow keys, each scene's settings
locked, and the address students use to join with its QR code."""

from __future__ import annotations

import html
import os
import socket

import gradio as gr
import segno

from lm.sampling import SamplingSettings, generate
from studio.every_model import EveryModel
from studio.forms import COMPARE
from studio.handlers import Studio
from studio.inside import Inside
from studio.novelty_views import STYLE as NOVELTY_STYLE
from studio.novelty_views import marked_text, novelty, novelty_note, training_index
from studio.scenes import Scene
from studio.step_mode import StepMode
from studio.time_lapse import TimeLapse
from studio.views import STYLE as COLUMN_STYLE

STYLE = """
<style>
body.lm-presenter-mode .tab-wrapper, body.lm-presenter-mode footer, body.lm-presenter-mode #lm-header {display:none;}
body.lm-presenter-mode .gradio-container{padding-top:4px !important;}
.lm-presenter{font-size:26px;line-height:1.3;}
.lm-presenter h2{font-size:32px !important;margin:0 0 2px 0;}
.lm-presenter-say{font-size:26px;margin:0 0 6px 0;}
.lm-presenter-output{font-size:24px;max-height:360px;overflow:hidden;}
.lm-presenter-output .lm-candidates td{padding:0 6px !important;}
.lm-presenter-output .lm-column,.lm-presenter-output .lm-every-column,.lm-presenter-output .lm-lapse-column{
  max-height:350px;overflow:hidden;}
.lm-presenter-join{font-size:24px;display:flex;gap:12px;align-items:center;}
.lm-presenter-join svg{width:84px;height:84px;}
</style>
"""
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


def join_html(address: str) -> str:
    code = segno.make(address).svg_inline(scale=3)
    return f'<div class="lm-presenter-join">{code}<span>Join: <b>{html.escape(address)}</b></span></div>'


class Presenter:
    """The scenes and the views they run, over a ``Studio``."""

    def __init__(self, studio: Studio, scenes: list[Scene], step_mode: StepMode, inside: Inside):
        self.studio, self.scenes, self.step_mode, self.inside = studio, scenes, step_mode, inside
        self.every_model, self.time_lapse = EveryModel(studio), TimeLapse(studio)

    def heading(self, index: int) -> str:
        scene = self.scenes[index]
        return (STYLE + f'<div class="lm-presenter" data-scene="{index}"><h2>{html.escape(scene.title)}</h2>'
                f'<p class="lm-presenter-say">{html.escape(scene.say)}</p>'
                f'<div class="lm-note">scene {index + 1} of {len(self.scenes)}</div></div>')

    def show(self, index, step_state, request: gr.Request = None):
        """Yield (heading, output, scene index, step state, join address) for scene ``index``."""
        index = max(0, min(int(index or 0), len(self.scenes) - 1))
        self.step_mode.sessions.end(step_state)
        join, step_state = join_html(join_address(request)), None
        yield self.heading(index), self._output("…", False), index, step_state, join
        scene, content = self.scenes[index], ""
        try:
            for content, step_state in self._run(scene):
                yield self.heading(index), self._output(content, False), index, step_state, join
        except gr.Error as error:
            content = f"this scene could not run: {html.escape(str(error))}"
        yield self.heading(index), self._output(content, True), index, step_state, join

    def pick(self, step_state, index, event: gr.EventData):
        """A click on a candidate in a sampler scene."""
        scene = self.scenes[max(0, min(int(index or 0), len(self.scenes) - 1))]
        settings = scene.settings
        candidates, text, step_state = self.step_mode.pick_view(step_state, settings.get("temperature", 1.0),
                                                                settings.get("k", 10), event)
        return self._output(text + candidates, True), step_state

    @staticmethod
    def _output(content: str, ready: bool) -> str:
        return f'<div class="lm-presenter-output" data-ready="{str(ready).lower()}">{content}</div>'

    def _run(self, scene: Scene):
        """(content, step state) as the scene's view draws."""
        s = scene.settings
        model, prompt, seed = s.get("model", ""), s.get("prompt", ""), s.get("seed", 0)
        tokens = s.get("max_new_tokens", 100)
        if scene.kind == "generate":
            temperatures = ", ".join(str(t) for t in s.get("temperatures", [0.8]))
            for columns, _ in self.studio.generate_view(model, prompt, COMPARE, 0.8, temperatures, tokens, seed, 0, 1.0):
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
            copied = novelty(training_index(entry.folder), prompt_ids, sample.token_ids)
            columns.append(f'<div class="lm-column"><h3>T = {sample.temperature:g} · {novelty_note(copied)}</h3>'
                           f'<div class="lm-text">{marked_text(entry.tokenizer, shown_prompt, sample.token_ids, copied)}'
                           "</div></div>")
        return COLUMN_STYLE + NOVELTY_STYLE + f'<div class="lm-columns">{"".join(columns)}</div>'
