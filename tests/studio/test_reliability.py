"""The studio under bad input, probing and overload: a real server with one
sampling worker and a short queue, driven through ``gradio_client`` and plain
HTTP."""

from __future__ import annotations

import concurrent.futures
import math
import time
import urllib.error
import urllib.request

import pytest
from gradio_client import Client

from tests.support.paths import CHECKPOINTS, REPO
from tests.support.studio_server import running_studio

pytestmark = pytest.mark.slow

QUEUE_SIZE = 3


@pytest.fixture(scope="module")
def server():
    with running_studio(LM_SAMPLING_CONCURRENCY="1", LM_QUEUE_SIZE=str(QUEUE_SIZE)) as (url, _):
        yield url


@pytest.fixture(scope="module")
def client(server):
    return Client(server, verbose=False)


def generate_request(**changes) -> dict:
    request = dict(model="tiny-shakespeare", prompt="ROMEO:", temperatures=[0.8], max_new_tokens=20, seed=0,
                   top_k=None, top_p=None, int8=True, api_name="/generate")
    return {**request, **changes}


def timed(call):
    started = time.monotonic()
    try:
        return call(), None, time.monotonic() - started
    except Exception as error:  # what the client raises for a server-side gr.Error
        return None, str(error), time.monotonic() - started


PROMPTS = {
    "empty": "",
    "100k characters": "x" * 100_000,
    "NUL and control characters": "ROMEO\x00:\x07\x1b[31m\r\n",
    "emoji and other scripts": "ROMEO 🌹 says 你好, Привет, مرحبا",
    "nothing the model knows": "🌹🌹🌹 你好",
}


@pytest.mark.parametrize("model", ["tiny-shakespeare", "human-numbers"])
@pytest.mark.parametrize("case", list(PROMPTS))
def test_any_prompt_gives_samples_or_a_clear_message_within_a_second(client, model, case):
    texts, error, seconds = timed(lambda: client.predict(**generate_request(model=model, prompt=PROMPTS[case])))
    scored, score_error, score_seconds = timed(lambda: client.predict(model=model, text=PROMPTS[case], api_name="/score"))
    assert seconds < 1 and score_seconds < 1
    if case == "100k characters":
        assert "is 100,000 characters long; the limit is 20,000" in error
        assert "is 100,000 characters long; the limit is 20,000" in score_error
    else:
        assert error is None and len(texts) == 1 and isinstance(texts[0], str)
        assert score_error is None and all(math.isfinite(value) for value in scored["surprisal_bits"])
    for message in (error, score_error):
        assert message is None or "Traceback" not in message


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(temperatures=[-0.5]), "temperature must be in [0, 5], got -0.5"),
        (dict(temperatures="0.5, nan"), "temperature must be in [0, 5], got nan"),  # JSON itself has no NaN
        (dict(temperatures=[5.5]), "temperature must be in [0, 5], got 5.5"),
        (dict(temperatures=[0.5] * 7), "between 1 and 6 temperatures, got 7"),
        (dict(temperatures=[]), "between 1 and 6 temperatures, got 0"),
        (dict(max_new_tokens=0), "max_new_tokens must be an integer in [1, 2000], got 0"),
        (dict(max_new_tokens=-3), "max_new_tokens must be an integer in [1, 2000], got -3"),
        (dict(max_new_tokens=10**9), "max_new_tokens must be an integer in [1, 2000], got 1000000000"),
        (dict(max_new_tokens=2.5), "max_new_tokens must be an integer in [1, 2000], got 2.5"),
        (dict(top_p=0.0), "top_p must be in (0, 1] or None, got 0.0"),
        (dict(top_p=1.5), "top_p must be in (0, 1] or None, got 1.5"),
        (dict(top_k=0), "top_k must be a positive integer or None, got 0"),
        (dict(top_k=-2), "top_k must be a positive integer or None, got -2"),
        (dict(seed="lucky"), "seed must be an integer, got 'lucky'"),
        (dict(model="../../etc/passwd"), "unknown model '../../etc/passwd'"),
        (dict(model=str(CHECKPOINTS / "tiny-shakespeare")), "unknown model"),
    ],
)
def test_bad_settings_are_refused_server_side_with_the_value_and_the_range(client, changes, message):
    _, error, seconds = timed(lambda: client.predict(**generate_request(**changes)))
    assert error is not None and message in error and "Traceback" not in error
    assert seconds < 1


@pytest.mark.parametrize("path", ["/etc/passwd", str(REPO / "app.py"), "../app.py",
                                  str(CHECKPOINTS / "tiny-shakespeare" / "model.safetensors"),
                                  str(CHECKPOINTS / "tiny-shakespeare" / "config.json")])
def test_no_file_is_served_beyond_what_the_page_needs(server, path):
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{server}gradio_api/file={path}", timeout=5)
    assert caught.value.code in (403, 404)


def test_the_queue_cannot_be_bypassed_and_monitoring_is_off(server):
    for path, body in (("gradio_api/run/generate", b'{"data": ["tiny-shakespeare", "", [1.0]]}'),
                       ("gradio_api/monitoring", None)):
        request = urllib.request.Request(f"{server}{path}", data=body, headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(request, timeout=5)
        assert caught.value.code in (403, 404, 405), path


LONG = dict(temperatures=[0.5, 0.8, 1.0, 1.2, 1.5, 2.0], max_new_tokens=2000, int8=False)  # about 3.5 s alone


def test_a_cancelled_request_frees_the_only_worker_within_two_seconds(client):
    long_job = client.submit(**generate_request(**LONG))
    time.sleep(0.7)  # running by now
    long_job.cancel()
    cancelled = time.monotonic()
    texts = client.predict(**generate_request(max_new_tokens=5))
    assert len(texts) == 1
    assert time.monotonic() - cancelled < 2


def test_a_full_queue_answers_503_and_the_server_recovers(server, client):
    clients = [Client(server, verbose=False) for _ in range(QUEUE_SIZE + 4)]
    with concurrent.futures.ThreadPoolExecutor(len(clients)) as pool:
        futures = [pool.submit(timed, lambda c=c: c.predict(**generate_request(**{**LONG, "max_new_tokens": 300})))
                   for c in clients]
        outcomes = [future.result() for future in futures]
    refused = [error for _, error, _ in outcomes if error]
    served = [texts for texts, _, _ in outcomes if texts]
    assert served and refused
    assert all("Queue is full" in error or "503" in error for error in refused), refused
    assert len(client.predict(**generate_request())) == 1
