"""``app.py``, the studio's entry point, as a process runs it."""

from __future__ import annotations

import pytest

from tests.support.memory import printed_by_a_fresh_interpreter

pytestmark = pytest.mark.slow


def test_the_app_keeps_a_short_record_of_past_requests():
    """Gradio records every request (for monitoring, which the app turns
    off) up to 10,000; the app keeps a hundred, so the record is full within
    a minute of class instead of growing through the lesson."""
    kept, = printed_by_a_fresh_interpreter("import app; print(app.demo._queue.ANALYTICS_MAX_EVENTS)")
    assert int(kept) == 100
