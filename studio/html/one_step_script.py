"""The One step view's browser half (a ``js_on_load`` script): from the
numbers ``studio.html.one_step`` sends along, it redraws the scores ÷ T,
the probabilities, the cumulative bar and the token the step's number picks
as the temperature slider moves, with no request to the server, exactly as
``lm.sampling`` draws (top-k / top-p on the scaled scores, ``<unk>`` left
out, tokens in id order, the first whose running total passes
u × total × (1 − 1e-6); the argmax at T = 0); and it writes out a chosen
unit's update (a click, a tap, a hover, or the arrow keys on a strip)."""

from __future__ import annotations

EXPLAIN_SCRIPT = r"""
const parsed = new WeakMap();
// A list of numbers sent as its float32 bytes (little-endian, base64).
const unpack = (text) => Array.from(new Float32Array(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)).buffer));
// The numbers of the step a root shows, parsed once (Gradio may reuse the root for the next step's HTML).
const numbers = (root) => {
  const text = root.querySelector('script.lm-explain-data').textContent;
  if (parsed.get(root)?.text !== text) {
    const data = JSON.parse(text);
    data.logits = unpack(data.logits);
    data.embedding = unpack(data.embedding);
    data.layers = data.layers.map((layer) => Object.fromEntries(Object.entries(layer).map(([k, v]) => [k, unpack(v)])));
    parsed.set(root, {text, data});
  }
  return parsed.get(root).data;
};
const escapeText = (text) => String(text).replace(/[&<>"]/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
const chip = (text) => `<span class="lm-token-chip">${escapeText(text)}</span>`;
const signed = (value) => (value < 0 ? '−' : '') + Math.abs(value).toFixed(2);
const UNK = 0;
// lm.sampling.next_token_probabilities, then draw's <unk> left out: (probabilities, their total).
const distribution = (data, temperature) => {
  const scale = temperature === 0 ? 1 : temperature;
  let scaled = data.logits.map((value) => value / scale);
  if (data.top_k && data.top_k < scaled.length) {
    const kth = [...scaled].sort((a, b) => b - a)[data.top_k - 1];
    scaled = scaled.map((value) => (value < kth ? -Infinity : value));
  }
  const softmax = (values) => {
    const top = values.reduce((a, b) => Math.max(a, b), -Infinity);
    const weights = values.map((value) => Math.exp(value - top));
    const sum = weights.reduce((a, b) => a + b, 0);
    return weights.map((weight) => weight / sum);
  };
  if (data.top_p && data.top_p < 1) {
    const order = scaled.map((_, index) => index).sort((a, b) => scaled[b] - scaled[a]);
    const sorted = softmax(order.map((index) => scaled[index]));
    let before = 0;
    order.forEach((index, rank) => { if (before >= data.top_p) scaled[index] = -Infinity; before += sorted[rank]; });
  }
  const probabilities = softmax(scaled);
  probabilities[UNK] = 0;
  return [probabilities, probabilities.reduce((a, b) => a + b, 0)];
};
const pick = (data, probabilities, total, temperature) => {
  if (temperature === 0) return probabilities.reduce((best, p, index) => (p > probabilities[best] ? index : best), 0);
  const target = data.uniform * total * (1 - 1e-6);
  let running = 0;
  for (let index = 0; index < probabilities.length; index++) {
    running += probabilities[index];
    if (running > target) return index;
  }
  return probabilities.length - 1;
};
const redraw = (root, temperature) => {
  const data = numbers(root);
  const [probabilities, total] = distribution(data, temperature);
  const shown = probabilities.map((p) => p / total);
  const picked = data.uniform === null ? null : pick(data, probabilities, total, temperature);
  const widest = Math.max(...data.top.map((id) => shown[id]), 1e-9);
  root.querySelectorAll('.lm-scores tr[data-score-id]').forEach((row) => {
    const id = Number(row.dataset.scoreId);
    row.querySelector('.lm-scaled').textContent = signed(data.logits[id] / (temperature === 0 ? 1 : temperature));
    row.querySelector('.lm-p').textContent = (100 * shown[id]).toFixed(1) + '%';
    row.querySelector('.lm-p-bar').style.width = (100 * shown[id] / widest).toFixed(1) + '%';
    row.classList.toggle('lm-picked', id === picked);
  });
  root.querySelector('.lm-slider output').textContent = temperature.toFixed(2);
  const starts = [];
  shown.reduce((start, p) => { starts.push(start); return start + p; }, 0);
  const marked = [...new Set([...data.top, ...(picked === null ? [] : [picked])])].sort((a, b) => a - b);
  const bar = root.querySelector('.lm-cumulative');
  bar.innerHTML = marked.map((id) => `<span class="lm-segment${id === picked ? ' lm-picked' : ''}" style="left:${
    100 * starts[id]}%;width:${100 * shown[id]}%" title="${escapeText(data.labels[id])}: ${(100 * shown[id]).toFixed(1)}%">`
    + '</span>').join('') + (picked === null ? '' : `<span class="lm-marker" style="left:${100 * data.uniform}%"></span>`);
  const line = root.querySelector('.lm-pick');
  const at = `at T = ${temperature.toFixed(2)}`;
  if (picked === null) {
    const best = pick(data, probabilities, total, 0);
    line.innerHTML = `${at} the most likely next token is ${chip(data.labels[best])} (${(100 * shown[best]).toFixed(1)}%).`;
  } else if (root.classList.contains('lm-explain-scene')) {
    const other = picked === data.written ? '' : ` (the sample: ${chip(data.labels[data.written])})`;
    line.innerHTML = `u = ${data.uniform.toFixed(4)} picks ${chip(data.labels[picked])} ${at}${other}`;
  } else {
    const other = picked === data.written ? '' : `: not ${chip(data.labels[data.written])}, which the sample wrote at T = ${data.temperature}`;
    line.innerHTML = `u = ${data.uniform.toFixed(4)} falls in ${chip(data.labels[picked])} (from ${starts[picked].toFixed(3)} to ${
      (starts[picked] + shown[picked]).toFixed(3)}): ${at} the same number picks ${chip(data.labels[picked])}${other}.`;
  }
  root.dataset.picked = picked === null ? '' : String(picked);
  root.dataset.temperature = String(temperature);
};
// A strip's canvas: a cell per unit, rows of 32; red above zero and blue below, to the strip's scale (a gate,
// scale 0: purple from 0 to 1), in tenths; the most-changed units outlined, the chosen one in orange.
const valuesOf = (data, strip) => {
  const layer = Number(strip.dataset.layer);
  return layer < 0 ? data.embedding : data.layers[layer][strip.dataset.signal];
};
const colour = (value, scale) => {
  if (scale === 0) {
    const level = Math.round(10 * Math.min(1, Math.max(0, value)));
    return level ? `rgba(106,61,154,${level / 10})` : null;
  }
  const level = Math.round(10 * Math.max(-1, Math.min(1, value / scale)));
  return level ? `rgba(${level > 0 ? '214,39,40' : '31,119,180'},${Math.abs(level) / 10})` : null;
};
const paint = (root, strip, chosen) => {
  const data = numbers(root), values = valuesOf(data, strip), scale = Number(strip.dataset.scale);
  const columns = Math.min(32, values.length), size = strip.width / columns, context = strip.getContext('2d');
  const at = (unit) => [(unit % columns) * size, Math.floor(unit / columns) * size];
  context.clearRect(0, 0, strip.width, strip.height);
  values.forEach((value, unit) => {
    const fill = colour(value, scale);
    if (fill) { context.fillStyle = fill; context.fillRect(...at(unit), size, size); }
  });
  const outline = (unit, style, width) => {
    context.strokeStyle = style;
    context.lineWidth = width;
    const [x, y] = at(unit);
    context.strokeRect(x + width / 2, y + width / 2, size - width, size - width);
  };
  const layer = Number(strip.dataset.layer);
  if (layer >= 0) data.changed[layer].forEach((unit) => outline(unit, getComputedStyle(strip).color, 1.5));
  if (chosen !== null && chosen !== undefined) outline(chosen, '#E69F00', 2.5);
};
const showUnit = (root, layer, unit) => {
  const data = numbers(root);
  const detail = root.querySelector(`.lm-unit-detail[data-layer="${layer}"]`);
  if (!detail) return;
  if (layer < 0) {
    detail.textContent = `dimension ${unit}: ${signed(data.embedding[unit])}`;
  } else {
    const v = data.layers[layer];
    detail.textContent = `unit ${unit}: c = f·c_prev + i·g = ${signed(v.forget_gate[unit])} × ${signed(v.cell_before[unit])} + ${
      signed(v.input_gate[unit])} × ${signed(v.candidate[unit])} = ${signed(v.cell[unit])};  h = o·tanh(c) = ${
      signed(v.output_gate[unit])} × tanh(${signed(v.cell[unit])}) = ${signed(v.hidden[unit])}`;
  }
  detail.dataset.unit = String(unit);
  root.querySelectorAll(`td.lm-chosen[data-layer="${layer}"]`).forEach((cell) => cell.classList.remove('lm-chosen'));
  root.querySelectorAll(`.lm-strip[data-layer="${layer}"]`).forEach((strip) => paint(root, strip, unit));
  root.querySelectorAll(`td[data-layer="${layer}"][data-unit="${unit}"]`).forEach((cell) => cell.classList.add('lm-chosen'));
  root.querySelectorAll(`button.lm-unit[data-layer="${layer}"]`).forEach(
    (button) => button.setAttribute('aria-pressed', String(Number(button.dataset.unit) === unit)));
};
const rootOf = (target) => target.closest('.lm-explain');
// The unit under the pointer on a strip's canvas (rows of 32 units), or null.
const unitAt = (strip, event) => {
  const count = valuesOf(numbers(rootOf(strip)), strip).length, columns = Math.min(32, count);
  const box = strip.getBoundingClientRect();
  const column = Math.floor((event.clientX - box.left) / box.width * columns);
  const unit = Math.floor((event.clientY - box.top) / box.height * Math.ceil(count / columns)) * columns + column;
  return unit >= 0 && unit < count ? unit : null;
};
const unitOf = (event) => {
  const strip = event.target.closest('.lm-strip');
  if (strip) {
    const unit = unitAt(strip, event);
    return unit === null ? null : [Number(strip.dataset.layer), unit];
  }
  const picked = event.type === 'click' && event.target.closest('[data-unit][data-layer]');
  return picked ? [Number(picked.dataset.layer), Number(picked.dataset.unit)] : null;
};
element.addEventListener('input', (event) => {
  if (event.target.matches('input.lm-explain-temperature')) redraw(rootOf(event.target), Number(event.target.value));
});
for (const kind of ['click', 'mousemove']) {
  element.addEventListener(kind, (event) => {
    const root = rootOf(event.target), found = root && unitOf(event);
    if (root && found) showUnit(root, ...found);
  });
}
element.addEventListener('keydown', (event) => {
  const strip = event.target.closest('.lm-strip'), root = strip && rootOf(strip);
  const moves = {ArrowLeft: -1, ArrowRight: 1, ArrowUp: -32, ArrowDown: 32};
  if (!root || !(event.key in moves)) return;
  event.preventDefault();
  const layer = Number(strip.dataset.layer);
  const now = Number(root.querySelector(`.lm-unit-detail[data-layer="${layer}"]`).dataset.unit || 0);
  showUnit(root, layer, Math.max(0, Math.min(valuesOf(numbers(root), strip).length - 1, now + moves[event.key])));
});
const start = () => element.querySelectorAll('.lm-explain').forEach((root) => {
  redraw(root, Number(root.querySelector('input.lm-explain-temperature').value));
  numbers(root).chosen.forEach((unit, layer) => showUnit(root, layer, unit));
  showUnit(root, -1, 0);
  root.dataset.drawn = root.dataset.position;  // this step is drawn in full
});
start();
if (typeof watch === 'function') watch('value', start);
"""

# The sample's tokens: a click on one asks for its step.
TOKEN_POSITION_CLICK = """
element.addEventListener('click', (event) => {
  const token = event.target.closest('[data-position]');
  if (token) trigger('click', {position: Number(token.dataset.position)});
});
"""
