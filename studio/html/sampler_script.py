"""The sampler view's browser half: its clicks go to the studio's plain route
``POST sampler/step`` (``studio.step_route``) rather than through Gradio's
queue, and the answer's HTML is drawn into the candidates and the text.

``CANDIDATES_SCRIPT`` (the candidates' ``js_on_load``) sends a click on a
candidate row (or Enter or Space on the focused row), and every ``lm-step``
event the other controls dispatch (``step_event``: draw, undo, type, a new
temperature or k), one request at a time in the order asked (of the redraws
a dragged slider asks for, only the latest waiting one), with the state
token that Start put in the candidates' HTML (``data-step-state``). A
refused request shows the server's message above the candidates.
``TEXT_SCRIPT`` (the text's ``js_on_load``) draws the text it is sent."""

from __future__ import annotations

STEP_PATH = "sampler/step"  # relative to the page, so it works under a Space's or a proxy's prefix

CANDIDATES_SCRIPT = """
const state = () => element.querySelector('[data-step-state]')?.dataset.stepState ?? null;
const setting = (id) => Number(document.querySelector(`#${id} input[type=number]`)?.value);
const escapeText = (text) => String(text).replace(/[&<>"]/g, (c) => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
const ERROR = /^<p class="lm-step-error"[^]*?<\/p>/;  // a refusal shown above the candidates
let pending = Promise.resolve();
const refuse = (message) => {
  props.value = `<p class="lm-step-error" role="alert">${escapeText(message)}</p>` + String(props.value ?? '').replace(ERROR, '');
};
const send = async (request) => {
  const token = state();
  if (token === null && request.action === 'show') return;  // nothing started yet: nothing to redraw
  const body = {temperature: setting('lm-step-temperature'), k: setting('lm-step-k'), ...request, state: token};
  const response = await fetch(new URL('""" + STEP_PATH + """', document.baseURI), {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
  const answer = await response.json().catch(() => ({error: `the server answered ${response.status}`}));
  if (!response.ok) return refuse(answer.error);
  props.value = answer.candidates;
  document.dispatchEvent(new CustomEvent('lm-step-text', {detail: answer.text}));
};
let nextShow = null;  // a slider dragged asks for one redraw at a time plus the last, as trigger_mode="always_last"
const act = (request) => {
  if (request.action === 'show') {
    const waiting = nextShow !== null;
    nextShow = request;
    if (waiting) return;
    request = null;
  }
  pending = pending.then(() => {
    if (request !== null) return send(request);
    const latest = nextShow;
    nextShow = null;
    return send(latest);
  }).catch((error) => refuse(String(error)));
};
const pick = (event) => {
  const row = event.target.closest('tr[data-token-id]');
  if (row) act({action: 'pick', value: Number(row.dataset.tokenId)});
};
element.addEventListener('click', pick);
element.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' && event.key !== ' ') return;
  event.preventDefault();
  pick(event);
});
document.addEventListener('lm-step', (event) => act(event.detail));
"""

TEXT_SCRIPT = "document.addEventListener('lm-step-text', (event) => { props.value = event.detail; });"


def step_event(action: str, *inputs: str) -> str:
    """A control's event script: ask the candidates to send ``action`` with
    the event's input values under the names ``inputs``."""
    fields = ", ".join(f"{name}: {name}" for name in inputs)
    detail = f"{{action: '{action}'{', ' + fields if fields else ''}}}"
    return f"({', '.join(inputs)}) => {{ document.dispatchEvent(new CustomEvent('lm-step', {{detail: {detail}}})); }}"
