"""A client whose connection drops mid-stream (a closed tab, lost Wi-Fi)
frees its sampling worker: a real server with one sampling worker, driven
over raw HTTP the way the page drives it (join the queue, then read the
server-sent events of ``/gradio_api/queue/data``), for every streaming
endpoint."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from lm.lesson.inspection import FEATURES
from studio.forms import COMPARE
from tests.support.studio_server import OUTPUT_MESSAGES, endpoint_indexes, join_request, running_studio, server_sent_message

pytestmark = pytest.mark.slow

FIRST_FEATURE = list(FEATURES)[0]
LONG = {  # each holds the worker for seconds when nobody leaves (the most columns and tokens each allows)
    "generate": ["tiny-shakespeare", "ROMEO:", [0.5, 0.7, 0.9, 1.1, 1.3, 1.5], 2000, 0, None, None, False],
    "generate_view": ["tiny-shakespeare", "ROMEO:", COMPARE, 0.8, "0.5, 0.7, 0.9, 1.1, 1.3, 1.5", 1000, 0, 0, 0.5,
                      False],
    "every_model_view": [["tiny-shakespeare", "tiny-shakespeare-words", "human-numbers"], "ROMEO:", 0.8, 500, 0],
    "time_lapse_view": ["tiny-shakespeare", "ROMEO:", 0.8, 500, 0],
    "inside_view": ["tiny-shakespeare", "ROMEO:", 0.8, 500, 0, 16, FIRST_FEATURE, "cell", None],
}
SHORT = ["tiny-shakespeare", "ROMEO:", [0.8], 20, 0, None, None, True]  # /generate


@pytest.fixture(scope="module")
def server():
    with running_studio(LM_SAMPLING_CONCURRENCY="1") as (url, _):
        yield url


@pytest.fixture(scope="module")
def endpoints(server) -> dict[str, int]:
    """Endpoint name -> the index the page sends with each request."""
    return endpoint_indexes(server)


class Stream:
    """One request as the page makes it: join the queue, then read the
    events of this session over a connection of its own."""

    def __init__(self, url: str, endpoint: int, data: list):
        session = uuid.uuid4().hex
        self.http = httpx.Client(base_url=url + "gradio_api/", timeout=60)
        joined = self.http.post("queue/join", json=join_request(endpoint, data, session))
        joined.raise_for_status()
        request = self.http.build_request("GET", "queue/data", params={"session_hash": session})
        self.response = self.http.send(request, stream=True)
        self.response.raise_for_status()
        self.messages = self._read()  # one reader: the stream can be read once

    def _read(self) -> Iterator[dict]:
        for line in self.response.iter_lines():
            if (message := server_sent_message(line)) is not None:
                yield message

    def first_output(self) -> tuple[float, list[str]]:
        """When the first output came (``time.monotonic``) and the kinds of
        message seen until then."""
        kinds = []
        for message in self.messages:
            kinds.append(message["msg"])
            if message["msg"] in OUTPUT_MESSAGES:
                return time.monotonic(), kinds
        raise AssertionError(f"the stream ended without output: {kinds}")

    def completed(self) -> float:
        """When the request completed (``time.monotonic``)."""
        for message in self.messages:
            if message["msg"] == "process_completed":
                assert message["success"], message
                return time.monotonic()
        raise AssertionError("the stream ended before the request completed")

    def drop(self) -> None:
        """Close the connection without a word, as a closed tab does."""
        self.response.close()
        self.http.close()


@pytest.mark.parametrize("endpoint", list(LONG))
def test_a_dropped_stream_frees_the_only_worker_within_two_seconds(server, endpoints, endpoint):
    """A request queued behind a long one gives its first output within 2 s
    of the long one's connection dropping, and well before the long one
    would have ended had it been left to run (measured first, on the same
    server): sampling stopped at the drop."""
    uninterrupted = Stream(server, endpoints[endpoint], LONG[endpoint])
    first, _ = uninterrupted.first_output()
    holds = uninterrupted.completed() - first
    uninterrupted.drop()

    long = Stream(server, endpoints[endpoint], LONG[endpoint])
    _, kinds = long.first_output()
    assert kinds[-1] == "process_generating"
    waiting = Stream(server, endpoints["generate"], SHORT)  # queued behind the only worker
    dropped = time.monotonic()
    long.drop()
    started, _ = waiting.first_output()
    waiting.drop()
    assert started - dropped < 2, (started - dropped, holds)
    # Where the uninterrupted request holds the worker long enough to tell, the worker came free well before it
    # would have. Under 2 s it cannot tell: the queue's own hand-over takes up to half a second on a slow run
    # (every-model's three 500-token columns held it 1.01 s once, and the next request started 0.53 s after the drop).
    assert holds < 2 or started - dropped < holds / 2, (started - dropped, holds)
