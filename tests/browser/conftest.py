"""Every test here drives Chromium: marked ``browser`` and ``slow``, and
skipped where Debian's chromium is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import needs_chromium

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
            item.add_marker(needs_chromium)
