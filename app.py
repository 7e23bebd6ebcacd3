"""LSTM Studio: pick a model, type a prompt, watch samples stream side by side
across temperatures; score text; read model cards; train your own.

Layout and thin adapters only: the work is done by ``lm``.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import gradio as gr
import pandas as pd

from lm import html as views
from lm.catalog import Catalog
from lm.corpora import local_tiny_shakespeare
from lm.hub import read_model_list
from lm.jobs import Trainer, TrainerBusy
from lm.sampling import encode_prompt, generate_progressively, next_token_distribution, score, stream
from lm.training import WORD_UNKNOWN_RATE, config_from

ROOT = Path(__file__).resolve().parent
HUB_MODELS = read_model_list(os.environ.get("LM_HUB_MODELS") or ROOT / "models.json")
CATALOG = Catalog(ROOT / "checkpoints", preferred=("tiny-shakespeare", "human-numbers"), hub_models=HUB_MODELS)
TRAINER = Trainer()
MAX_COLUMNS = 6
# Capacity, set for a classroom server; the environment may change them.
GENERATION_SECONDS = float(os.environ.get("LM_GENERATION_SECONDS", 60))  # hard cap per request; what was drawn is returned
SAMPLING_CONCURRENCY = int(os.environ.get("LM_SAMPLING_CONCURRENCY", 4))  # generations running at once
QUEUE_SIZE = int(os.environ.get("LM_QUEUE_SIZE", 64))  # waiting requests beyond this get a clean "queue full"
STREAM_INTERVAL = 0.08
DEFAULT_TEMPERATURES = "0.5, 0.8, 1.0, 1.3"
MAX_UPLOAD_BYTES = 5_000_000
TRAIN_MINUTES = 10
INT8_DEFAULT = True  # measured by bench/sampling.py --checkpoints: see README
EXAMPLES = {
    "tiny-shakespeare": ["ROMEO:\n", "First Citizen:\nBefore we proceed", "KING HENRY VI:\nO God", "To be, or not"],
    "human-numbers": ["one . two . three .", "eight thousand one . eight thousand two .", "nine hundred ninety nine ."],
    "cnn-dailymail": ["the president said", "police say"],
    "imdb": ["this movie was", "i have never seen"],
    "harry-potter": ["harry looked at", "professor dumbledore"],
}
APP_PRESETS = {
    "tiny (1 × 128, fast)": dict(embedding_size=32, hidden_size=128, num_layers=1, dropout=0.1, batch_size=32, bptt=64,
                                 learning_rate=3e-3, schedule="cosine", warmup_steps=20, epochs=1000),
    "small (2 × 256)": dict(embedding_size=64, hidden_size=256, num_layers=2, dropout=0.2, batch_size=32, bptt=64,
                            learning_rate=3e-3, schedule="cosine", warmup_steps=50, epochs=1000),
}
UPLOAD = "Upload a .txt file"
CORPUS_CHOICES = {"Human Numbers": ("human-numbers", None)}


if local_tiny_shakespeare():
    CORPUS_CHOICES["Tiny Shakespeare (local copy)"] = ("tiny-shakespeare", str(local_tiny_shakespeare()))


# ----- adapters -------------------------------------------------------------------


def parse_temperatures(text: str | list) -> list[float]:
    if isinstance(text, (list, tuple)):
        values = list(text)
    else:
        pieces = [piece for piece in re.split(r"[,\s;]+", str(text).strip()) if piece]
        try:
            values = [float(piece) for piece in pieces]
        except ValueError:
            raise ValueError(f"temperatures must be numbers separated by commas, got {str(text)[:60]!r}") from None
    if not 1 <= len(values) <= MAX_COLUMNS:
        raise ValueError(f"compare between 1 and {MAX_COLUMNS} temperatures, got {len(values)}")
    return values


def sampling_settings(top_k, top_p) -> tuple[int | None, float | None]:
    top_k = int(top_k) if top_k not in (None, 0, "") else None
    top_p = float(top_p) if top_p not in (None, "") and float(top_p) != 1.0 else None
    return top_k, top_p


def whole(value):
    """Integral floats (what some clients send for integers) become ``int``;
    anything else goes on unchanged for ``lm``'s range checks to name."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def user_error(error: Exception) -> gr.Error:
    return gr.Error(str(error), print_exception=False)


def model_facts(name: str) -> str:
    entry = CATALOG.get(name)
    metrics, model = entry.metrics, entry.model
    lines = [f"**{name}** · corpus `{metrics.get('corpus', '?')}` · {entry.tokenizer.level} level · "
             f"vocabulary {len(entry.tokenizer):,} · {model.parameter_count():,} parameters"]
    figures = []
    for split in ("valid", "test"):
        if split in metrics:
            value = metrics[split]
            figures.append(
                f"{split} {value['bits_per_char']:.3f} bits/char (loss {value['loss']:.3f})" if "bits_per_char" in value
                else f"{split} perplexity {value['perplexity']:.2f}, accuracy {value['accuracy']:.3f}"
            )
    if figures:
        lines.append(" · ".join(figures))
    if entry.hub is not None:
        lines.append(f"from the Hub: `{entry.hub.reference}` (commit `{entry.folder.name[:10]}`, cached)")
    return "  \n".join(lines)


def model_card(name: str) -> tuple[str, pd.DataFrame]:
    entry = CATALOG.get(name)
    card_file = entry.folder / "README.md"
    card = card_file.read_text(encoding="utf-8") if card_file.is_file() else f"# {name}\n\nNo model card."
    card = re.sub(r"\A---\n.*?\n---\n", "", card, flags=re.DOTALL)
    rows = []
    for record in entry.metrics.get("history", []):
        rows.append({"epoch": record["epoch"], "loss": record["train_loss"], "split": "train"})
        rows.append({"epoch": record["epoch"], "loss": record["valid_loss"], "split": "valid"})
    return card, pd.DataFrame(rows, columns=["epoch", "loss", "split"])


def examples_for(name: str) -> list[list[str]]:
    corpus = CATALOG.get(name).metrics.get("corpus", "")
    return [[text] for text in EXAMPLES.get(corpus, ["", "the"])]


def on_model_change(name: str, progress=gr.Progress()):
    def downloaded(done: int, total: int) -> None:
        progress(done / total if total else None, desc=f"downloading {name}: {done / 1e6:.1f} MB")

    try:
        CATALOG.get(name, progress=downloaded)
        facts = model_facts(name)
        card, curve = model_card(name)
    except ValueError as error:
        raise user_error(error) from error
    return facts, gr.Dataset(samples=examples_for(name)), card, curve


def generate_view(name, prompt, mode, temperature, temperatures_text, max_new_tokens, seed, top_k, top_p, int8=INT8_DEFAULT):
    """Stream the side-by-side columns as HTML, plus a status line."""
    try:
        entry = CATALOG.get(name)
        temperatures = [float(temperature)] if mode == "Single sample" else parse_temperatures(temperatures_text)
        top_k, top_p = sampling_settings(top_k, top_p)
        prompt = prompt or ""
        encoded = encode_prompt(entry.tokenizer, prompt)
        steps = stream(entry.engine(bool(int8)), entry.tokenizer, encoded, temperatures,
                       whole(max_new_tokens), whole(seed),
                       top_k, top_p)
        first = next(steps)
    except (ValueError, TypeError) as error:
        raise user_error(error) from error
    labels = [f"T = {t:g}" + (" (greedy)" if t == 0 else "") for t in temperatures]
    spans: list[list[str]] = [[] for _ in temperatures]
    ended = [False] * len(temperatures)
    unk_masked = [0] * len(temperatures)
    notes = [""] * len(temperatures)
    started = last_shown = time.perf_counter()
    count, truncated = 0, False
    shown_prompt = "" if encoded.fresh_start else entry.tokenizer.decode(encoded.ids)
    joiner = " " if entry.tokenizer.level == "word" else ""

    def status() -> str:
        elapsed = time.perf_counter() - started
        parts = [f"{count} steps × {len(temperatures)} columns in {elapsed:.2f} s"]
        if encoded.unknown:
            kind = "unknown words became <unk>" if entry.tokenizer.level == "word" else "characters dropped"
            parts.append(f"{kind}: {', '.join(repr(piece) for piece in encoded.unknown[:10])}")
        if encoded.fresh_start:
            parts.append("empty prompt: starting fresh")
        if truncated:
            parts.append(f"stopped at the {GENERATION_SECONDS} s limit")
        return " · ".join(parts)

    def page() -> str:
        return views.columns(labels, shown_prompt, spans, ended, unk_masked, notes)

    step = first
    while step is not None:
        count += 1
        for row in range(len(temperatures)):
            if not ended[row] and not step.ended[row]:
                piece = step.pieces[row]
                spans[row].append(views.token_span((joiner if spans[row] or shown_prompt else "") + piece,
                                                   step.probabilities[row], step.alternatives[row]))
        ended, unk_masked = step.ended, step.unk_masked
        now = time.perf_counter()
        if now - started > GENERATION_SECONDS:
            truncated = True
            notes = ["truncated"] * len(temperatures)
            break
        if now - last_shown >= STREAM_INTERVAL:
            last_shown = now
            yield page(), status()
        step = next(steps, None)
    yield page(), status()


def distribution_view(name, prompt, mode, temperature, temperatures_text, int8=INT8_DEFAULT):
    try:
        entry = CATALOG.get(name)
        temperatures = [float(temperature)] if mode == "Single sample" else parse_temperatures(temperatures_text)
        tokens, table = next_token_distribution(entry.engine(bool(int8)), entry.tokenizer, prompt or "", temperatures)
    except (ValueError, TypeError) as error:
        raise user_error(error) from error
    return views.distribution_bars(tokens, table)


def score_view(names, text):
    if not names:
        raise gr.Error("pick at least one model to score with", print_exception=False)
    names = [names] if isinstance(names, str) else names
    parts = []
    for name in names:
        try:
            entry = CATALOG.get(name)
            result = score(entry.model, entry.tokenizer, text or "")
        except ValueError as error:
            raise user_error(error) from error
        joiner = " " if entry.tokenizer.level == "word" else ""
        parts.append(f"<h3>{name}: perplexity {views.perplexity_text(result.perplexity)} "
                     f"({len(result.pieces)} tokens)</h3>" + views.surprisal_text(result.pieces, result.surprisals, joiner))
    return "".join(parts)


def api_generate(
    model: str,
    prompt: str,
    temperatures: list[float],
    max_new_tokens: int = 100,
    seed: int = 0,
    top_k: int | None = None,
    top_p: float | None = None,
    int8: bool = INT8_DEFAULT,
) -> Iterator[list[str]]:
    """One sample per temperature (prompt included), reproducible with the seed.
    Stops at the time limit with a warning; a cancelled request stops drawing
    within a fraction of a second."""
    try:
        entry = CATALOG.get(model)
        progressive = generate_progressively(
            entry.engine(bool(int8)), entry.tokenizer, prompt or "", parse_temperatures(temperatures),
            whole(max_new_tokens), whole(seed), whole(top_k), top_p,
            max_seconds=GENERATION_SECONDS)
        first = next(progressive)
    except (ValueError, TypeError) as error:
        raise user_error(error) from error
    for samples in itertools.chain([first], progressive):  # each yield lets a cancel land
        if samples.truncated:
            gr.Warning(f"stopped at the {GENERATION_SECONDS:g} s limit per request: the samples are cut short")
        yield samples.texts


def api_score(model: str, text: str) -> dict:
    """Per-token surprisal (bits) and the text's perplexity."""
    try:
        entry = CATALOG.get(model)
        result = score(entry.model, entry.tokenizer, text or "")
    except (ValueError, TypeError) as error:
        raise user_error(error) from error
    return {
        "tokens": result.pieces,
        "surprisal_bits": result.surprisals,
        "perplexity": None if not result.pieces else result.perplexity,
        "unknown": result.unknown,
    }


def read_upload(path: str | None) -> str:
    """Check an uploaded training text before anything is written."""
    if not path:
        raise ValueError("upload a .txt file to train on")
    size = Path(path).stat().st_size
    if size == 0:
        raise ValueError("the uploaded file is empty")
    if size > MAX_UPLOAD_BYTES:
        raise ValueError(f"the uploaded file is {size:,} bytes; the limit is {MAX_UPLOAD_BYTES:,}")
    data = Path(path).read_bytes()
    if b"\x00" in data:
        raise ValueError("the uploaded file looks binary (it contains NUL bytes); upload plain UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"the uploaded file is not UTF-8 text ({error.reason} at byte {error.start})") from None


def train_view(corpus_choice, upload, level, preset, minutes, name, progress=gr.Progress()):
    try:
        name = (name or "").strip().lower()
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", name):
            raise ValueError(f"model name must be 1–40 lowercase letters, digits or dashes, got {name[:60]!r}")
        if name in CATALOG.preferred:
            raise ValueError(f"{name!r} is a shipped model; pick another name")
        if not 0 < float(minutes) <= TRAIN_MINUTES:
            raise ValueError(f"time budget must be in (0, {TRAIN_MINUTES}] minutes, got {minutes}")
        if preset not in APP_PRESETS:
            raise ValueError(f"preset must be one of {list(APP_PRESETS)}, got {preset!r}")
        if corpus_choice == UPLOAD:
            text = read_upload(upload)
            folder = Path(tempfile.mkdtemp(prefix="lm-upload-"))
            (folder / "upload.txt").write_text(text, encoding="utf-8")
            corpus, text_file, sample_prompt = None, str(folder / "upload.txt"), ""
        elif corpus_choice in CORPUS_CHOICES:
            corpus, text_file = CORPUS_CHOICES[corpus_choice]
            sample_prompt = EXAMPLES[corpus][0]
            level = "char" if corpus == "tiny-shakespeare" else "word"
        else:
            raise ValueError(f"corpus must be one of {[*CORPUS_CHOICES, UPLOAD]}, got {corpus_choice!r}")
        # Word models learn how likely a word they never saw is (see --unknown-word-rate).
        config = config_from(None, corpus=corpus, text_file=text_file, level=level, max_minutes=float(minutes),
                             unknown_word_rate=WORD_UNKNOWN_RATE if level == "word" else 0.0, **APP_PRESETS[preset])
        command = f"studio Train view: {corpus_choice}, preset {preset}, {minutes} min"
        job = TRAINER.start(config, CATALOG.root / name, command, sample_prompt)
    except (ValueError, TrainerBusy) as error:
        raise user_error(error) from error
    CATALOG.forget(name)
    rows, samples, status = [], [], "preparing the corpus…"
    try:
        for event in job.watch():
            if event is not None and event.kind == "step":
                status = f"epoch {event.epoch} · loss {event.train_loss:.3f} · {event.tokens_per_second:,.0f} tokens/s"
                progress(event.fraction, desc=status)
            elif event is not None and event.kind == "epoch":
                rows += [{"epoch": event.epoch, "loss": event.train_loss, "split": "train"},
                         {"epoch": event.epoch, "loss": event.valid_loss, "split": "valid"}]
                samples.append(f"— after epoch {event.epoch} (valid loss {event.valid_loss:.3f}):\n{event.sample}")
            elif event is not None and event.kind == "done":
                status = f"saved **{name}**: valid loss {event.metrics['valid']['loss']:.3f} after {event.metrics['epochs']} epochs"
            yield status, pd.DataFrame(rows, columns=["epoch", "loss", "split"]), "\n\n".join(samples[-5:]), gr.Dropdown()
    except Exception as error:  # a failed run is reported, the server keeps serving
        raise gr.Error(f"training failed: {error}", print_exception=False) from error
    yield status, pd.DataFrame(rows, columns=["epoch", "loss", "split"]), "\n\n".join(samples[-5:]), gr.Dropdown(choices=CATALOG.choices())


def stop_training() -> str:
    if TRAINER.busy():
        TRAINER.current.stop_requested.set()
        return "stopping after the current step; the best model so far is kept"
    return "no training is running"


# ----- layout ---------------------------------------------------------------------

CSS = """
body.lm-large .gradio-container { zoom: 1.3; }
#lm-columns { min-height: 180px; }
"""
MODEL_NAMES = CATALOG.names()
DEFAULT_MODEL = MODEL_NAMES[0] if MODEL_NAMES else None
if DEFAULT_MODEL:
    CATALOG.get(DEFAULT_MODEL)  # warm: the first request should not wait for a load

with gr.Blocks(title="LSTM Studio") as demo:
    with gr.Row():
        gr.Markdown("### LSTM Studio · how temperature changes what a language model writes")
        large_type = gr.Checkbox(label="Large type", value=False, scale=0, min_width=140)
    with gr.Tab("Generate"):
        with gr.Row():
            with gr.Column(scale=1, min_width=340):
                model = gr.Dropdown(CATALOG.choices(), value=DEFAULT_MODEL, label="Model")
                facts = gr.Markdown(model_facts(DEFAULT_MODEL) if DEFAULT_MODEL else "No checkpoints found.")
                prompt = gr.Textbox(label="Prompt", lines=2,
                                    value=EXAMPLES["tiny-shakespeare"][0] if DEFAULT_MODEL == "tiny-shakespeare" else "")
                with gr.Row():
                    run = gr.Button("Generate", variant="primary")
                    stop = gr.Button("Stop")
                temperatures = gr.Textbox(DEFAULT_TEMPERATURES, label=f"Temperatures to compare (up to {MAX_COLUMNS})")
                examples = gr.Dataset(components=[prompt], samples=examples_for(DEFAULT_MODEL) if DEFAULT_MODEL else [[""]],
                                      label="Example prompts (click to use)")
                mode = gr.Radio(["Compare temperatures", "Single sample"], value="Compare temperatures", label="View")
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
    with gr.Tab("Score"):
        gr.Markdown("### How surprising is this text? Each token is shaded by its surprisal in bits.")
        score_models = gr.Dropdown(CATALOG.choices(), value=DEFAULT_MODEL, multiselect=True, label="Models")
        score_text = gr.Textbox(label="Text", lines=4)
        score_button = gr.Button("Score", variant="primary")
        score_output = gr.HTML()
    with gr.Tab("Model card"):
        card_curve = gr.LinePlot(x="epoch", y="loss", color="split", label="Loss per epoch", height=260)
        card_text = gr.Markdown()
    with gr.Tab("Train"):
        with gr.Row():
            with gr.Column():
                corpus_choice = gr.Radio([*CORPUS_CHOICES, UPLOAD], value="Human Numbers", label="Corpus")
                upload = gr.File(label="Your text (.txt, UTF-8)", file_types=[".txt"], type="filepath")
                level = gr.Radio(["word", "char"], value="word", label="Tokens (uploads)")
            with gr.Column():
                preset = gr.Radio(list(APP_PRESETS), value=list(APP_PRESETS)[0], label="Model size")
                minutes = gr.Slider(0.25, TRAIN_MINUTES, value=1, step=0.25, label="Time budget (minutes)")
                new_name = gr.Textbox("my-model", label="Save as")
                with gr.Row():
                    train_button = gr.Button("Train", variant="primary")
                    stop_train_button = gr.Button("Stop training")
        train_status = gr.Markdown()
        train_curve = gr.LinePlot(x="epoch", y="loss", color="split", label="Loss", height=240)
        train_samples = gr.Textbox(label="Samples after each epoch", lines=8)

    settings = [model, prompt, mode, temperature, temperatures, max_new_tokens, seed, top_k, top_p, int8]
    generation = run.click(generate_view, settings, [output, run_status], api_visibility="private",
                           concurrency_limit=SAMPLING_CONCURRENCY, concurrency_id="sampling")
    run.click(distribution_view, [model, prompt, mode, temperature, temperatures, int8], distribution,
              api_visibility="private", concurrency_limit=SAMPLING_CONCURRENCY, concurrency_id="sampling")
    stop.click(None, None, None, cancels=[generation])
    new_seed.click(lambda: random.randint(0, 2**31 - 1), None, seed, api_visibility="private", queue=False)
    examples.click(lambda sample: sample[0], examples, prompt, api_visibility="private", queue=False)
    model.change(on_model_change, model, [facts, examples, card_text, card_curve], api_visibility="private")
    demo.load(on_model_change, model, [facts, examples, card_text, card_curve], api_visibility="private")
    large_type.change(None, large_type, None, js="(on) => { document.body.classList.toggle('lm-large', on); }")
    score_button.click(score_view, [score_models, score_text], score_output, api_visibility="private",
                       concurrency_limit=SAMPLING_CONCURRENCY, concurrency_id="sampling")
    training = train_button.click(train_view, [corpus_choice, upload, level, preset, minutes, new_name],
                                  [train_status, train_curve, train_samples, model], api_visibility="private",
                                  concurrency_limit=2)
    stop_train_button.click(stop_training, None, train_status, api_visibility="private", queue=False)
    gr.api(api_generate, api_name="generate", concurrency_limit=SAMPLING_CONCURRENCY, concurrency_id="sampling")
    gr.api(api_score, api_name="score", concurrency_limit=SAMPLING_CONCURRENCY, concurrency_id="sampling")

demo.queue(max_size=QUEUE_SIZE, api_open=False, default_concurrency_limit=2)

if __name__ == "__main__":
    demo.launch(css=CSS, enable_monitoring=False, show_error=True, footer_links=["api"])
