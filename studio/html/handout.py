"""The handout of a Generate-view comparison, as Markdown and as a
self-contained HTML file: the settings and seed, the model's facts, the
samples with the share of new text in each, and the exact
``lm.generate(...)`` and ``gradio_client`` calls that draw them again (int8
weights included, as the studio sampled). Pure functions of a
``Comparison``."""

from __future__ import annotations

import html
from dataclasses import dataclass

from lm.sampling import SamplingSettings


@dataclass
class Comparison:
    """One Generate-view comparison, drawn again from its settings."""

    model: str
    folder: str
    prompt: str
    settings: SamplingSettings
    int8: bool
    texts: list[str]
    notes: list[str]  # per column: the share of new text
    facts: str


def library_call(comparison: Comparison) -> str:
    settings = comparison.settings
    lines = ["import lm"]
    if comparison.int8:
        lines.append("from lm.quantize import quantize_int8")
    lines.append(f"model, tokenizer = lm.load({comparison.folder!r})")
    if comparison.int8:
        lines.append("model = quantize_int8(model)  # the studio sampled with int8 weights")
    lines.append(f"samples = lm.generate(model, tokenizer, {comparison.prompt!r}, "
                 f"temperatures={list(settings.temperatures)!r}, max_new_tokens={settings.max_new_tokens}, "
                 f"seed={settings.seed}, top_k={settings.top_k!r}, top_p={settings.top_p!r})")
    lines.append("print(samples.texts)")
    return "\n".join(lines)


def client_call(comparison: Comparison, address: str = "http://127.0.0.1:7860/") -> str:
    settings = comparison.settings
    return "\n".join([
        "from gradio_client import Client",
        f"client = Client({address!r})",
        f"texts = client.predict(model={comparison.model!r}, prompt={comparison.prompt!r}, "
        f"temperatures={list(settings.temperatures)!r}, max_new_tokens={settings.max_new_tokens}, "
        f"seed={settings.seed}, top_k={settings.top_k!r}, top_p={settings.top_p!r}, int8={comparison.int8!r}, "
        'api_name="/generate")',
    ])


def markdown(comparison: Comparison) -> str:
    settings = comparison.settings
    parts = [f"# What the model wrote: {comparison.model}", "", comparison.facts, "",
             f"Prompt: `{comparison.prompt!r}` · temperatures {', '.join(f'{t:g}' for t in settings.temperatures)} · "
             f"seed {settings.seed} · up to {settings.max_new_tokens} new tokens · top-k {settings.top_k} · "
             f"top-p {settings.top_p} · {'int8' if comparison.int8 else 'fp32'} weights", ""]
    for temperature, text, note in zip(settings.temperatures, comparison.texts, comparison.notes):
        parts += [f"## Temperature {temperature:g} ({note})", "", "```", text, "```", ""]
    parts += ["## Draw them again", "", "With the library:", "", "```python", library_call(comparison), "```", "",
              "From a running studio:", "", "```python", client_call(comparison), "```", ""]
    return "\n".join(parts)


def page(comparison: Comparison) -> str:
    """The same handout as one HTML file with nothing to fetch."""
    blocks = markdown(comparison).split("```")
    rendered = []
    for number, block in enumerate(blocks):
        if number % 2:  # code and samples
            code = block.removeprefix("python").strip("\n")
            rendered.append(f"<pre>{html.escape(code)}</pre>")
        else:
            for line in block.splitlines():
                if line.startswith("## "):
                    rendered.append(f"<h2>{html.escape(line[3:])}</h2>")
                elif line.startswith("# "):
                    rendered.append(f"<h1>{html.escape(line[2:])}</h1>")
                elif line.strip():
                    rendered.append(f"<p>{html.escape(line)}</p>")
    style = "body{font-family:sans-serif;max-width:60em;margin:2em auto;}pre{background:#f4f4f4;padding:8px;" \
            "white-space:pre-wrap;}"
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>LSTM Studio handout</title>"
            f"<style>{style}</style></head><body>{''.join(rendered)}</body></html>\n")
