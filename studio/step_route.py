"""The sampler's clicks on a plain route beside Gradio's, on the same server:
``POST sampler/step`` with a JSON object of ``/step``'s fields (``state``,
``model``, ``prompt``, ``action``, ``value``, ``temperature``, ``k``,
``seed``; the same defaults) answers ``{"state", "candidates", "text"}``,
the page's HTML of the candidates and of the text.

A ``/step`` call through Gradio costs the server several milliseconds of CPU
around a fraction of a millisecond of model work; this route skips Gradio's
request handling and costs little more than the model's step. It shares
``/step``'s session store, state tokens, limits and messages
(``StepMode.view``); a refused request is answered ``{"error": message}``
with status 400 (413 for a body over ``MAX_BODY_BYTES``). A click on a live
session is answered on the event loop at once (a step is a fraction of a
millisecond); ``start`` (which may load a model) and ``type`` (up to a
stepped text's limit of tokens) run in a worker thread.

Gradio builds its server inside ``launch``: the routes reach it through
``launch(app_kwargs={"routes": step_routes(step_mode)})`` (``app.py``), a
FastAPI argument, so they are served wherever ``app.py`` is, a Space too."""

from __future__ import annotations

import json

import gradio as gr
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from studio.html.sampler_script import STEP_PATH
from studio.tabs.sampler import StepMode

FIELDS = {"state": None, "model": "tiny-shakespeare", "prompt": "", "action": "start", "value": None,
          "temperature": 1.0, "k": 10, "seed": 0}  # /step's parameters and their defaults
MAX_BODY_BYTES = 65_536
IN_A_THREAD = ("start", "type")  # the actions that can take longer than a click


class Refused(ValueError):
    """A request the route answers with an error message and a status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def step_fields(body: bytes) -> dict:
    """The request's fields with ``/step``'s defaults; a body that is not a
    JSON object of known fields is refused by name."""
    if len(body) > MAX_BODY_BYTES:
        raise Refused(f"the request body is {len(body):,} bytes; the limit is {MAX_BODY_BYTES:,}", 413)
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise Refused(f"the request body must be a JSON object of {list(FIELDS)}; it is not JSON ({error})") \
            from None
    if not isinstance(request, dict):
        raise Refused(f"the request body must be a JSON object of {list(FIELDS)}, got {type(request).__name__}")
    unknown = sorted(set(request) - set(FIELDS))
    if unknown:
        raise Refused(f"unknown fields {unknown}; the fields are {list(FIELDS)}")
    return {**FIELDS, **request}


def step_routes(step_mode: StepMode) -> list[Route]:
    """The plain routes for ``launch(app_kwargs={"routes": ...})``."""

    def answer(fields: dict) -> dict:
        candidates, text, state = step_mode.view(**fields)
        return {"state": state, "candidates": candidates, "text": text}

    async def step(request: Request) -> JSONResponse:
        try:
            fields = step_fields(await request.body())
            if fields["action"] in IN_A_THREAD:
                return JSONResponse(await run_in_threadpool(answer, fields))
            return JSONResponse(answer(fields))
        except Refused as refused:
            return JSONResponse({"error": str(refused)}, status_code=refused.status)
        except gr.Error as error:  # StepMode.view's user errors: /step's messages
            return JSONResponse({"error": error.message}, status_code=400)

    return [Route("/" + STEP_PATH, step, methods=["POST"])]
