"""HTML of the One step view: the sample with the explained token marked
(a click on a token asks for it), and the step as a pipeline, left to right
(top to bottom on a phone): the input token and its embedding row; each LSTM
layer's previous state, four gates and new state as strips over its units
(every strip in one unit order, folded into rows, the most-changed units
outlined, a chosen unit's update written out); the top scores with a
temperature slider; the draw. The presenter's scene shows the top layer's 16
most-changed units large. The explanation's numbers ride along as JSON, and
``studio.html.one_step_script`` redraws the scores, the draw and the chosen
unit from them in the browser. Pure functions; every text is escaped."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Callable

import torch

from lm.lesson.one_step import StepExplanation
from lm.lesson.traces import Trace
from studio.html.spoken import STYLE as SPOKEN_STYLE
from studio.html.spoken import swatch

UNITS_PER_ROW = 32  # a strip of units folds into rows this long
LEVELS = 10  # colour steps on each side of zero (a gate: from 0 to 1)
STRIPS = (("hidden_before", "h_prev", "output before"), ("cell_before", "c_prev", "cell state before"),
          ("forget_gate", "f", "forget gate: keeps c_prev"), ("input_gate", "i", "input gate: writes g"),
          ("candidate", "g", "candidate"), ("output_gate", "o", "output gate: shows tanh(c)"),
          ("cell", "c", "= f·c_prev + i·g"), ("hidden", "h", "= o·tanh(c)"))
GATES = {"forget_gate", "input_gate", "output_gate"}
SCENE_ROWS = ("cell_before", "forget_gate", "input_gate", "candidate", "output_gate", "cell", "hidden")
SCENE_TOP = 4  # the scene shows this many scores
_LABELS: dict[int, tuple[list[str], str]] = {}  # id of a vocabulary -> (it, its labels as JSON)
# level (-LEVELS to LEVELS) -> colour class: for a gate (0 to LEVELS) and for a signed value
CLASSES = {True: {level: f"lm-g{level}" if level > 0 else "lm-z" for level in range(LEVELS + 1)},
           False: {level: "lm-z" if level == 0 else f"lm-{'p' if level > 0 else 'n'}{abs(level)}"
                   for level in range(-LEVELS, LEVELS + 1)}}
STYLE = """
<style>
.lm-explain{font-size:16px;line-height:1.4;}
.lm-explain h4{margin:0 0 4px 0;font-size:17px;}
.lm-explain-stages{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-start;}
.lm-stage{border:1px solid var(--border-color-primary);border-radius:8px;padding:6px;flex:1 1 250px;min-width:0;}
.lm-stage.lm-layer{flex:4 1 560px;}
.lm-tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(128px,1fr));gap:8px 10px;align-items:end;}
.lm-tile-label b{font-family:var(--font-mono);}
.lm-strip{display:block;width:100%;cursor:crosshair;}
.lm-scene-units td.lm-chosen{outline:3px solid #E69F00;outline-offset:-3px;}
.lm-strip:focus{outline:3px solid #E69F00;}
.lm-explain .lm-z{background:transparent;}
.lm-explain .lm-unit-detail{font-family:var(--font-mono);margin-top:6px;overflow-wrap:anywhere;}
.lm-explain button.lm-unit{font:inherit;font-family:var(--font-mono);margin:2px;padding:0 6px;border-radius:4px;
  border:1px solid var(--border-color-primary);background:var(--background-fill-secondary);color:inherit;cursor:pointer;}
.lm-explain button.lm-unit[aria-pressed=true]{outline:3px solid #E69F00;}
.lm-explain .lm-token-chip{font-family:var(--font-mono);background:var(--background-fill-secondary);padding:0 5px;
  border-radius:4px;white-space:pre;}
.lm-scores{border-collapse:collapse;width:100%;}
.lm-scores td,.lm-scores th{padding:1px 5px!important;border:none!important;text-align:right;white-space:nowrap;
  font-variant-numeric:tabular-nums;font-weight:normal;}
.lm-scores td:first-child{text-align:left;font-family:var(--font-mono);white-space:pre;}
.lm-scores td.lm-bar-cell{width:40%;text-align:left;}
.lm-scores .lm-p-bar{display:inline-block;height:14px;background:#0072B2;border-radius:2px;vertical-align:middle;}
.lm-scores tr.lm-picked td:first-child{outline:3px solid #E69F00;}
.lm-explain label.lm-slider{display:flex;gap:8px;align-items:center;flex-wrap:wrap;}
.lm-explain input[type=range]{flex:1 1 140px;min-width:120px;accent-color:#c2410c;}
.lm-cumulative{position:relative;height:30px;background:var(--background-fill-secondary);border-radius:4px;
  margin:6px 0;overflow:hidden;}
.lm-cumulative span{position:absolute;top:0;bottom:0;border-right:1px solid var(--background-fill-primary);}
.lm-cumulative .lm-segment{background:rgba(0,114,178,.45);}
.lm-cumulative .lm-segment.lm-picked{background:#E69F00;}
.lm-cumulative .lm-marker{width:3px;background:var(--body-text-color);border:none;}
.lm-quiet{color:var(--body-text-color-subdued);font-size:16px;}
.lm-explain-text{white-space:pre-wrap;font-family:var(--font-mono);line-height:1.6;font-size:16px;}
.lm-explain-text [data-position]{cursor:pointer;border-radius:3px;}
.lm-explain-text [data-position]:hover{text-decoration:underline;}
.lm-explain-text .lm-prompt-token{color:var(--body-text-color-subdued);}
.lm-explain-text .lm-read-token{box-shadow:inset 0 -3px 0 #0072B2;}
.lm-explain-text .lm-current{background:#E69F00;color:#000;}
.lm-scene-units{border-collapse:collapse;}
.lm-scene-units th,.lm-scene-units td{padding:0!important;border:none!important;font-weight:normal;}
.lm-scene-units td{width:37px;min-width:37px;height:30px;cursor:pointer;}
.lm-scene-units th{padding:0 4px!important;text-align:right;}
.lm-scene-units thead th{text-align:center;}
.lm-explain.lm-explain-scene,.lm-explain-scene .lm-quiet{font-size:24px;line-height:1.25;}
.lm-scene{display:flex;gap:14px;align-items:flex-start;}
.lm-scene .lm-unit-detail{font-family:inherit;}
.lm-scene > div:first-child{flex:0 1 750px;}
.lm-scene .lm-cumulative{margin:2px 0;}
.lm-scene .lm-scene-side{flex:1 1 auto;min-width:0;}
""" + "".join(
    f".lm-explain .lm-{sign}{level}{{background:rgba({rgb},{level / LEVELS:.1f});}}"
    for sign, rgb in (("p", "214,39,40"), ("n", "31,119,180"), ("g", "106,61,154")) for level in range(1, LEVELS + 1)
) + "\n</style>"


LEGEND = (f"{swatch('rgb(214,39,40)')}above 0, {swatch('rgb(31,119,180)')}below (c and c_prev scaled to their "
          f"largest, the others to ±1); gates {swatch('rgb(106,61,154)')}from 0 to 1; one cell per unit, rows of "
          f"{UNITS_PER_ROW}. Hover, tap, or focus a strip and use the arrow keys, to read a unit")


def label(text: str) -> str:
    """A token as the view shows it: whitespace made visible."""
    return {"\n": "⏎", " ": "␣", "\t": "⇥", "": "∅"}.get(text, text)


def _levels(values: list[float], gate: bool, scale: float) -> list[str]:
    """The colour class of each value: a gate from 0 (pale) to 1, else red above zero and blue below, in
    ``LEVELS`` steps a side (one tensor operation for a whole strip)."""
    ratios = torch.tensor(values, dtype=torch.float64)  # (H,)
    ratios = ratios.clamp(0, 1) if gate else (ratios / scale).clamp(-1, 1) if scale > 0 else ratios * 0
    return [CLASSES[gate][level] for level in ratios.mul(LEVELS).round().int().tolist()]


def _packed(values: list[float]) -> str:
    """Numbers as their float32 bytes, little-endian, in base64: exact, and a third of their JSON."""
    return base64.b64encode(torch.tensor(values, dtype=torch.float32).numpy().astype("<f4").tobytes()).decode("ascii")


def strip(values: list[float], signal: str, layer: int, name: str) -> str:
    """One signal over every unit, folded into rows of ``UNITS_PER_ROW``: a canvas the browser paints from
    the numbers (``studio.html.one_step_script``; the most-changed units outlined), focus it and use the arrow
    keys. ``data-scale``: the value drawn at full colour (0: a gate, from 0 to 1)."""
    gate = signal in GATES
    scale = 0 if gate else 1.0 if signal in ("candidate", "hidden", "hidden_before") else max(map(abs, values))
    columns = min(UNITS_PER_ROW, len(values))
    rows = -(-len(values) // columns)
    return (f'<canvas class="lm-strip" data-layer="{layer}" data-signal="{signal}" data-scale="{scale or 0:.6g}" '
            f'width="{columns * 8}" height="{rows * 8}" tabindex="0" role="img" aria-label="{html.escape(name)} '
            f'over {len(values)} units; arrow keys read one unit at a time"></canvas>')


def _chip(text: str) -> str:
    return f'<span class="lm-token-chip">{html.escape(label(text))}</span>'


def _layer(explanation: StepExplanation, index: int) -> str:
    layer = explanation.layers[index]
    tiles = "".join(f'<div><div class="lm-tile-label"><b>{short}</b> {html.escape(name)}</div>'
                    f'{strip(getattr(layer, signal), signal, index, f"{short}: {name}")}</div>'
                    for signal, short, name in STRIPS)
    buttons = "".join(f'<button class="lm-unit" data-layer="{index}" data-unit="{unit}" aria-pressed="false">{unit}'
                      f"</button>" for unit in layer.most_changed)
    count = len(explanation.layers)
    return (f'<section class="lm-stage lm-layer"><h4>2 · LSTM layer {index + 1} of {count}</h4>'
            f'{"" if index else f"<div class=lm-quiet>{LEGEND}</div>"}<div class="lm-tiles">{tiles}</div>'
            f'<div>Cell state changed most (outlined; pick one): {buttons}</div>'
            f'<div class="lm-unit-detail" data-layer="{index}" aria-live="polite"></div></section>')


def _labels_json(labels: list[str]) -> str:
    """Every token's label as JSON, made once per vocabulary (a word model's runs to some 100 kB)."""
    kept = _LABELS.get(id(labels))
    if kept is None or kept[0] is not labels:
        kept = _LABELS[id(labels)] = (labels, json.dumps([label(text) for text in labels], ensure_ascii=False))
        while len(_LABELS) > 16:
            del _LABELS[next(iter(_LABELS))]
    return kept[1]


def data(explanation: StepExplanation, labels: list[str]) -> str:
    """The numbers the browser redraws from, as a JSON script element; each list of numbers as its float32
    bytes (``_packed``): the browser's re-pick reads the very scores the sampler drew from."""
    layers = [{signal: _packed(getattr(layer, signal)) for signal, _, _ in STRIPS} for layer in explanation.layers]
    shown = {"temperature": explanation.temperature, "top_k": explanation.top_k, "top_p": explanation.top_p,
             "uniform": explanation.uniform, "written": explanation.written_id, "origin": explanation.origin,
             "logits": _packed(explanation.logits), "top": [token.token_id for token in explanation.top],
             "layers": layers, "embedding": _packed(explanation.embedding),
             "changed": [layer.most_changed for layer in explanation.layers],
             "chosen": [layer.most_changed[0] for layer in explanation.layers]}
    text = (json.dumps(shown)[:-1] + ', "labels": ' + _labels_json(labels) + "}").replace("</", "<\\/")
    return f'<script type="application/json" class="lm-explain-data">{text}</script>'


def _scores(explanation: StepExplanation, rows: int) -> str:
    """The slider and the top scores; the browser fills in ÷ T and the probabilities."""
    body = "".join(f'<tr data-score-id="{token.token_id}"><td>{html.escape(label(token.text))}</td>'
                   f'<td>{token.logit:.2f}</td><td class="lm-scaled"></td><td class="lm-bar-cell">'
                   f'<span class="lm-p-bar"></span></td><td class="lm-p"></td></tr>'
                   for token in explanation.top[:rows])
    restricted = " · ".join(part for part in (f"top-k {explanation.top_k}" if explanation.top_k else "",
                                              f"top-p {explanation.top_p:g}" if explanation.top_p else "") if part)
    return (f'<label class="lm-slider">Temperature T <input type="range" class="lm-explain-temperature" min="0" '
            f'max="5" step="0.05" value="{explanation.temperature:g}"> <output>{explanation.temperature:.2f}</output>'
            f'</label><table class="lm-scores"><thead><tr><th scope="col">token</th><th scope="col">score</th>'
            f'<th scope="col">÷ T</th><th scope="col" colspan="2">probability</th></tr></thead><tbody>{body}</tbody>'
            f'</table>' + (f'<div class="lm-quiet">drawn only among: {restricted}</div>' if restricted else ""))


def _draw(explanation: StepExplanation) -> str:
    """The draw: the step's number and the cumulative bar the browser draws at the slider's temperature."""
    written = _chip(explanation.written_text)
    if explanation.origin != "drawn":
        how = "read from the prompt" if explanation.origin == "prompt" else "chosen by hand (picked or typed)"
        said = f"{written} was {how}, not drawn: no random number was drawn for it."
    else:
        said = (f"The step's uniform number u = <b>{explanation.uniform:.4f}</b>, the same for every column of "
                f"this step. The sampler wrote {written} at T = {explanation.temperature:g}.")
    note = f'<p class="lm-int8-note"><b>{html.escape(explanation.note)}</b></p>' if explanation.note else ""
    return (f"<p>{said}</p><div class=\"lm-cumulative\" role=\"img\" aria-label=\"the cumulative probability bar, "
            f"tokens in id order\"></div><p class=\"lm-pick\" aria-live=\"polite\"></p>{note}")


def pipeline(explanation: StepExplanation, labels: list[str]) -> str:
    """The whole step, input to draw; ``labels``: every token of the vocabulary, in id order."""
    embedding = strip(explanation.embedding, "embedding", -1, "embedding row")
    layers = "".join(_layer(explanation, index) for index in range(len(explanation.layers)))
    return (STYLE + SPOKEN_STYLE + f'<div class="lm-explain" data-position="{explanation.position}">{data(explanation, labels)}'
            f'<div class="lm-explain-stages">'
            f'<section class="lm-stage"><h4>1 · The input</h4><p>Read {_chip(explanation.input_text)} '
            f'(id {explanation.input_id}), position {explanation.position - 1}. Its embedding row, '
            f'{len(explanation.embedding)} numbers (hover, tap or focus for one):</p>{embedding}'
            f'<div class="lm-unit-detail" data-layer="-1" aria-live="polite"></div></section>{layers}'
            f'<section class="lm-stage"><h4>3 · The scores, ÷ T, softmax</h4>{_scores(explanation, 10)}</section>'
            f'<section class="lm-stage"><h4>4 · The draw</h4>{_draw(explanation)}</section></div></div>')


def sample_text(trace: Trace, pieces: list[str], position: int, gap: Callable[[str | None, str], str]) -> str:
    """The sample, the explained token marked and the token it read underlined; click a token to explain it.
    ``gap``: what goes between two tokens (the tokenizer's)."""
    spans, before = [], None
    for index, piece in enumerate(pieces):
        classes = " ".join(name for name, on in (("lm-prompt-token", index < trace.prompt_length),
                                                 ("lm-current", index == position),
                                                 ("lm-read-token", index == position - 1)) if on)
        shown = "⏎\n" if piece == "\n" else html.escape(piece)
        spans.append(f'{gap(before, piece)}<span data-position="{index}" class="{classes}">{shown}</span>')
        before = piece
    written = len(pieces) - trace.prompt_length
    return (STYLE + f'<div class="lm-quiet">{trace.prompt_length} prompt tokens (grey) and {written} written; '
            f'token {position} explained, the one it read underlined. Click a token to explain it.</div>'
            f'<div class="lm-explain-text">{"".join(spans)}</div>')


def scene(explanation: StepExplanation, labels: list[str]) -> str:
    """The presenter's scene: the top layer's 16 most-changed units large, the scores and the draw."""
    top = len(explanation.layers) - 1
    layer = explanation.layers[top]
    units = sorted(layer.most_changed)
    head = "".join(f'<th scope="col">{unit}</th>' for unit in units)
    rows = []
    for signal in SCENE_ROWS:
        short = next(item[1] for item in STRIPS if item[0] == signal)
        values = getattr(layer, signal)
        gate = signal in GATES
        scale = max(abs(values[unit]) for unit in units) if signal in ("cell", "cell_before") else 1.0
        cells = "".join(f'<td class="{name}" data-layer="{top}" data-unit="{unit}"></td>'
                        for unit, name in zip(units, _levels([values[unit] for unit in units], gate, scale)))
        rows.append(f'<tr><th scope="row">{short}</th>{cells}</tr>')
    return (STYLE + f'<div class="lm-explain lm-explain-scene" data-position="{explanation.position}">'
            f'{data(explanation, labels)}<div class="lm-scene"><div>'
            f'<table class="lm-scene-units" aria-label="the top layer\'s 16 most-changed units"><thead><tr><th>unit</th>'
            f'{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
            f'<div class="lm-unit-detail" data-layer="{top}" aria-live="polite"></div></div>'
            f'<div class="lm-scene-side"><div>Read {_chip(explanation.input_text)} → wrote '
            f'{_chip(explanation.written_text)}</div>{_scores(explanation, SCENE_TOP)}'
            f'<div class="lm-cumulative" role="img" aria-label="the cumulative probability bar"></div>'
            f'<div class="lm-pick" aria-live="polite"></div></div></div></div>')
