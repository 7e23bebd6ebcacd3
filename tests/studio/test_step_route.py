"""The sampler's plain route, ``POST sampler/step`` (``studio.step_route``):
its body checked in-process, then end to end against a studio: a good click,
a token shared with ``/step``, and a forged token, a malformed body and the
limits answered with ``/step``'s messages as JSON with status 4xx."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request

import pytest

from lm.lesson.stepping import MAX_STEPPED_TOKENS
from studio.step_route import FIELDS, MAX_BODY_BYTES, Refused, step_fields


def post(url: str, body) -> tuple[int, dict]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url + "sampler/step", data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def start(url: str, **fields) -> dict:
    status, answer = post(url, {"model": "tiny-shakespeare", "prompt": "ROMEO:\n", "action": "start", **fields})
    assert status == 200, answer
    return answer


@pytest.mark.parametrize("body, message", [
    (b"{not json", "the request body must be a JSON object of ['state', 'model'"),
    (b"[1, 2]", "must be a JSON object of ['state', 'model', 'prompt', 'action', 'value', 'temperature', 'k', "
                "'seed'], got list"),
    (b'{"action": "draw", "tokens": 3}', "unknown fields ['tokens']"),
])
def test_a_malformed_body_is_refused_by_name(body, message):
    with pytest.raises(Refused, match=re.escape(message)) as caught:
        step_fields(body)
    assert caught.value.status == 400


def test_a_body_over_the_limit_is_refused_and_the_defaults_are_step_s():
    with pytest.raises(Refused, match="the limit is 65,536") as caught:
        step_fields(b" " * (MAX_BODY_BYTES + 1))
    assert caught.value.status == 413
    assert step_fields(b'{"action": "show", "state": "s"}') == {**FIELDS, "action": "show", "state": "s"}


@pytest.mark.slow
def test_a_click_grows_the_text_and_the_state_is_step_s_own(studio_url, studio_client):
    started = start(studio_url, temperature=0.5)
    state = started["state"]
    assert started["candidates"].count("data-token-id=") == 10 and f'data-step-state="{state}"' in started["candidates"]
    token_id = int(re.search(r'data-token-id="(\d+)"', started["candidates"]).group(1))
    status, picked = post(studio_url, {"state": state, "action": "pick", "value": token_id, "temperature": 0.5})
    assert status == 200 and picked["state"] == state and picked["text"] != started["text"]
    shown = studio_client.predict(state=state, action="show", api_name="/step")  # one session store for both
    assert shown["text"].startswith("ROMEO:\n") and len(shown["text"]) == len("ROMEO:\n") + 1
    status, undone = post(studio_url, {"state": state, "action": "undo"})
    assert status == 200 and undone["text"] == started["text"]


@pytest.mark.slow
@pytest.mark.parametrize("fields, message", [
    (dict(state="forged-token", action="draw"), "step state 'forged-token' is unknown or has expired"),
    (dict(action="start", model="nope"), "unknown model 'nope'"),
    (dict(action="start", k=0), "k must be an integer in [1, 50], got 0"),
    (dict(action="start", temperature=7.5), "temperature must be in [0, 5], got 7.5"),
    (dict(action="dance"), "action must be one of"),
    (dict(action="pick", value="x"), "token id must be an integer in [0, "),
    (dict(action="start", seed="x"), "seed must be an integer, got 'x'"),
    (dict(action="type", value="a" * (MAX_STEPPED_TOKENS + 1)), f"holds at most {MAX_STEPPED_TOKENS} tokens"),
])
def test_bad_input_gets_step_s_message_as_json(studio_url, studio_client, fields, message):
    state = start(studio_url)["state"]
    status, answer = post(studio_url, {"state": state, "model": "tiny-shakespeare", **fields})
    assert status == 400 and message in answer["error"], answer
    with pytest.raises(Exception) as caught:  # /step says the same
        studio_client.predict(**{"state": state, "model": "tiny-shakespeare", **fields}, api_name="/step")
    assert message in str(caught.value)
    assert post(studio_url, b"{oops")[0] == 400 and post(studio_url, b" " * (MAX_BODY_BYTES + 1))[0] == 413
    assert start(studio_url)["state"]  # the server serves on
