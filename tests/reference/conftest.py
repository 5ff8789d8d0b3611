"""The reference tests build no Qt objects, so they skip the full garbage collection the root conftest runs
after every test to finalize Qt wrappers in the main thread (about half a second a test on a loaded machine)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _collect_garbage_in_the_main_thread():
    yield
