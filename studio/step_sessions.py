"""Live step-mode samplers ("you are the sampler"), one per browser session
or per API state token. Each holds the LSTM state after every token of its
text, so the number of live sessions is bounded (the least recently used is
dropped when the store is full) and a session idle for longer than its
limit is freed; a browser session that closes frees its sampler at once."""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from lm.lesson.stepping import StepSampler


@dataclass
class StepSession:
    sampler: StepSampler
    model: str  # the catalog name of its model
    used: float  # when it was last used (monotonic seconds)


class StepSessions:
    def __init__(self, max_sessions: int = 200, idle_seconds: float = 1800.0,
                 clock: Callable[[], float] = time.monotonic):
        self.max_sessions, self.idle_seconds, self.clock = max_sessions, idle_seconds, clock
        self._sessions: OrderedDict[str, StepSession] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def start(self, sampler: StepSampler, model: str) -> str:
        """Keep ``sampler`` and return the token that names it."""
        token = secrets.token_urlsafe(18)
        with self._lock:
            self._sweep()
            while len(self._sessions) >= self.max_sessions:
                self._sessions.popitem(last=False)
            self._sessions[token] = StepSession(sampler, model, self.clock())
        return token

    def get(self, token: str | None) -> StepSession:
        """The live session named by ``token``; a stale, freed or made-up
        token is refused by name."""
        with self._lock:
            self._sweep()
            session = self._sessions.get(token) if isinstance(token, str) else None
            if session is None:
                shown = token[:12] + "…" if isinstance(token, str) and len(token) > 12 else token
                raise ValueError(f"step state {shown!r} is unknown or has expired (states are freed after "
                                 f"{self.idle_seconds / 60:g} idle minutes); start again with action 'start'")
            session.used = self.clock()
            self._sessions.move_to_end(token)
            return session

    def end(self, token: str | None) -> None:
        """Free a session (a closed browser tab, an API user done)."""
        if isinstance(token, str):
            with self._lock:
                self._sessions.pop(token, None)

    def _sweep(self) -> None:
        now = self.clock()
        while self._sessions:
            token, oldest = next(iter(self._sessions.items()))
            if now - oldest.used <= self.idle_seconds:
                return
            del self._sessions[token]
