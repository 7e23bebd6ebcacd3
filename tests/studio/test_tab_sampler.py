"""Step mode: ``/step`` end to end through ``gradio_client``, and the store
of step sessions."""

from __future__ import annotations

import pytest

from studio.tabs.sampler import StepSessions


def step(client, **arguments):
    return client.predict(**arguments, api_name="/step")


@pytest.mark.slow
def test_a_text_grows_by_the_picked_token_and_undo_takes_it_back(studio_client):
    started = step(studio_client, model="tiny-shakespeare", prompt="ROMEO:\n", action="start", temperature=0.5, k=10)
    state, first = started["state"], started["candidates"][0]
    assert started["text"] == "ROMEO:\n" and len(started["candidates"]) == 10
    assert all(c["token"] != "<unk>" for c in started["candidates"])
    assert first["probability"] > first["probability_at_one"]  # T = 0.5 sharpens the top token
    picked = step(studio_client, state=state, action="pick", value=first["token_id"], temperature=0.5, k=10)
    assert picked["text"] == "ROMEO:\n" + first["token"]
    drawn = step(studio_client, state=state, action="draw", temperature=1.0, k=5)
    assert drawn["text"].startswith(picked["text"]) and len(drawn["text"]) == len(picked["text"]) + 1
    assert step(studio_client, state=state, action="undo", temperature=1.0, k=5)["text"] == picked["text"]
    typed = step(studio_client, state=state, action="type", value="Ay", temperature=1.0, k=5)
    assert typed["text"] == picked["text"] + "Ay"


@pytest.mark.slow
@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(state="forged-token", action="draw"), "step state 'forged-token' is unknown or has expired"),
        (dict(model="nope", action="start"), "unknown model 'nope'"),
        (dict(action="start", k=0), "k must be an integer in [1, 50], got 0"),
        (dict(action="start", temperature=7.5), "temperature must be in [0, 5], got 7.5"),
        (dict(action="dance"), "action must be one of"),
    ],
)
def test_bad_step_input_comes_back_as_a_clear_error(studio_client, arguments, message):
    request = {**dict(model="tiny-shakespeare", prompt="ROMEO:", temperature=1.0, k=10), **arguments}
    with pytest.raises(Exception) as caught:
        step(studio_client, **request)
    assert message in str(caught.value) and "Traceback" not in str(caught.value)
    assert step(studio_client, model="tiny-shakespeare", prompt="A", action="start")["state"]


def test_sessions_are_bounded_and_expire():
    now = [0.0]
    sessions = StepSessions(max_sessions=3, idle_seconds=60, clock=lambda: now[0])
    tokens = [sessions.start(object(), "m") for _ in range(4)]  # the fourth drops the least recently used
    assert len(sessions) == 3
    with pytest.raises(ValueError, match="unknown or has expired"):
        sessions.get(tokens[0])
    now[0] = 30.0
    sessions.get(tokens[3])
    now[0] = 80.0  # tokens 1 and 2 idle for 80 s, token 3 for 50 s
    assert sessions.get(tokens[3]).model == "m" and len(sessions) == 1
    sessions.end(tokens[3])
    assert len(sessions) == 0


def test_candidates_are_bars_with_the_t1_bar_only_when_the_temperature_is_not_1():
    from lm.lesson.stepping import Candidate, Choices
    from studio.html.sampler import candidates

    shown = [Candidate(5, "a", 0.6, 0.4), Candidate(6, "b", 0.3, 0.35)]
    at_one = candidates(Choices(1.0, shown, 0.1, 0.1))
    assert at_one.count('class="lm-step-bar"') == 3 and 'class="lm-step-bar lm-at-one"' not in at_one
    assert "T = 1</span> · click" in at_one and at_one.count("T = 1") == 1  # one legend entry, not "T = 1 ■ T = 1"
    cooler = candidates(Choices(0.5, shown, 0.1, 0.25))
    assert cooler.count('class="lm-step-bar"') == 3 and cooler.count("lm-step-bar lm-at-one") == 3
    assert "></span>T = 0.5</span>" in cooler and "thin bar: T = 1" in cooler and "(40.0% at T = 1)" in cooler
    assert cooler.count('<tr data-token-id=') == 2
