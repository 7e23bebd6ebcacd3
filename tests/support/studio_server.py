"""Start ``app.py`` in a subprocess on a free loopback port and wait for it;
and the pieces of the protocol the page speaks to it over raw HTTP (join the
queue with an endpoint's index, then read the session's server-sent events)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import json
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from tests.support.paths import REPO

OUTPUT_MESSAGES = ("process_generating", "process_completed")  # the server-sent messages that carry output


def endpoint_indexes(url: str) -> dict[str, int]:
    """API name -> the index the page sends with each request."""
    with urllib.request.urlopen(url + "config", timeout=30) as response:
        config = json.load(response)
    return {dependency["api_name"]: dependency["id"] for dependency in config["dependencies"]}


def join_request(endpoint: int, data: list, session: str) -> dict:
    """The body of ``POST gradio_api/queue/join`` for one request of a page."""
    return {"data": data, "fn_index": endpoint, "session_hash": session, "event_data": None, "trigger_id": None}


def server_sent_message(line: str) -> dict | None:
    """The message of one line of ``gradio_api/queue/data``, or None for a line without one."""
    return json.loads(line[len("data:"):]) if line.startswith("data:") else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def file_size_limit(limit: int):
    """A ``preexec_fn`` that caps the size of every file the process (and its children) write."""
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))


@contextmanager
def running_studio(log: Path | None = None, port: int | None = None, max_file_bytes: int | None = None,
                   **environment: str):
    """Yield ``(url, process)`` of a studio started with extra environment;
    its stderr goes to the file ``log`` if given. ``port`` serves it again
    where an earlier one was; ``max_file_bytes`` makes the disk "full"
    beyond that many bytes per file."""
    port = port or free_port()
    env = {**os.environ, "GRADIO_SERVER_PORT": str(port), "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1", **environment}
    stderr = open(log, "wb") if log else subprocess.DEVNULL  # closed once the studio has stopped
    process = subprocess.Popen([sys.executable, "app.py"], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
                               preexec_fn=file_size_limit(max_file_bytes) if max_file_bytes else None)
    url = f"http://127.0.0.1:{port}/"
    started = time.monotonic()
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"app.py exited early with code {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if time.monotonic() - started > 90:
                process.kill()
                raise RuntimeError("app.py did not start within 90 s") from None
            time.sleep(0.3)
    try:
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=20)
        if log:
            stderr.close()
