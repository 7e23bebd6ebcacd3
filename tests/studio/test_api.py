"""The studio's HTTP API end to end: a real server in a subprocess, with a
stand-in Hub behind its Hub models, driven through ``gradio_client``."""

from __future__ import annotations

import math
import subprocess
import sys
import time

import pytest
from gradio_client import Client

from lm.sampling import SamplingSettings
from studio import forms
from tests.support.paths import CHECKPOINTS, REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(hub_studio_url):
    return Client(hub_studio_url, verbose=False)


def test_generate_returns_one_sample_per_temperature_reproducibly(client):
    arguments = dict(model="tiny-shakespeare", prompt="ROMEO:\n", temperatures=[0.0, 0.7, 1.2],
                     max_new_tokens=40, seed=7, top_k=None, top_p=None, api_name="/generate")
    first = client.predict(**arguments)
    assert len(first) == 3 and all(text.startswith("ROMEO:\n") and len(text) > len("ROMEO:\n") for text in first)
    assert client.predict(**arguments) == first
    assert client.predict(**{**arguments, "seed": 8})[1:] != first[1:]


def test_score_returns_finite_numbers(client):
    result = client.predict(model="tiny-shakespeare", text="To be, or not to be", api_name="/score")
    assert len(result["tokens"]) == len(result["surprisal_bits"]) == len("To be, or not to be")
    assert all(math.isfinite(value) and value >= 0 for value in result["surprisal_bits"])
    assert math.isfinite(result["perplexity"]) and result["perplexity"] > 1


@pytest.mark.parametrize(
    "arguments, message",
    [
        (dict(model="../../etc/passwd"), "unknown model"),
        (dict(temperatures=[-1.0]), r"temperature must be in [0, 5], got -1.0"),
        (dict(temperatures=[0.5] * 7), "between 1 and 6 temperatures, got 7"),
        (dict(max_new_tokens=0), "max_new_tokens must be an integer in [1, 2000], got 0"),
        (dict(top_p=1.5), "top_p must be in (0, 1]"),
    ],
)
def test_bad_input_comes_back_as_a_clear_error(client, arguments, message):
    request = dict(model="tiny-shakespeare", prompt="ROMEO:", temperatures=[1.0], max_new_tokens=5, seed=0,
                   top_k=None, top_p=None, **{"api_name": "/generate"})
    request.update(arguments)
    with pytest.raises(Exception) as caught:
        client.predict(**request)
    assert message in str(caught.value) and "Traceback" not in str(caught.value)
    assert len(client.predict(**{**request, **dict(model="tiny-shakespeare", temperatures=[1.0], max_new_tokens=5, top_p=None)})) == 1


@pytest.mark.parametrize(
    "temperatures, message",
    [([9.0], "temperature must be in [0, 5], got 9.0"), ([0.5] * 7, "give between 1 and 6 temperatures, got 7")],
    ids=["temperature-9", "seven-temperatures"],
)
def test_the_form_the_api_the_cli_and_lm_give_one_message_per_bad_value(client, temperatures, message):
    with pytest.raises(ValueError) as from_lm:
        SamplingSettings(temperatures)
    with pytest.raises(ValueError) as from_form:
        forms.page_sampling(forms.COMPARE, 0.8, ", ".join(f"{value:g}" for value in temperatures))
    with pytest.raises(Exception) as from_api:
        client.predict(model="tiny-shakespeare", prompt="ROMEO:", temperatures=temperatures, max_new_tokens=5, seed=0,
                       top_k=None, top_p=None, api_name="/generate")
    cli = subprocess.run([sys.executable, "-m", "lm", "generate", str(CHECKPOINTS / "human-numbers"), "--temperatures",
                          *(f"{value:g}" for value in temperatures)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert str(from_lm.value) == str(from_form.value) == message
    assert message in str(from_api.value) and "Traceback" not in str(from_api.value)
    assert cli.returncode == 1 and cli.stderr.strip() == f"error: {message}"


def test_hub_models_download_on_first_use_and_failures_are_clear(client, class_hub):
    texts = client.predict(model="Numbers from the Hub", prompt="one . two .", temperatures=[0.0], max_new_tokens=6,
                           seed=0, top_k=None, top_p=None, api_name="/generate")
    assert texts[0].startswith("one. two. three")
    assert any(request.startswith("GET /class/numbers/resolve/") for request in class_hub.requests)
    with pytest.raises(Exception) as caught:
        client.predict(model="Missing from the Hub", prompt="", temperatures=[1.0], max_new_tokens=5, seed=0,
                       top_k=None, top_p=None, api_name="/generate")
    assert "'class/missing' was not found" in str(caught.value) and "Traceback" not in str(caught.value)
    assert client.predict(model="tiny-shakespeare", text="To be", api_name="/score")["perplexity"] > 1


def test_a_request_stops_at_the_time_limit_with_what_was_drawn(client):
    """The test server caps a request at 1 s; uncapped this one takes about 3.5 s."""
    started = time.monotonic()
    job = client.submit(model="tiny-shakespeare", prompt="ROMEO:", temperatures=[0.5, 0.8, 1.0, 1.2], max_new_tokens=2000,
                        seed=0, top_k=None, top_p=None, int8=False, api_name="/generate")
    texts = job.result()
    assert time.monotonic() - started < 3
    assert len(texts) == 4 and all(len("ROMEO:") < len(text) < 2000 for text in texts)
