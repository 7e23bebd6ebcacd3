"""Fixtures of the library's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def cache(tmp_path):
    """A Hub download cache of the test's own."""
    return tmp_path / "cache"
