"""GUI tests: marked ``gui``; a test that leaves a worker QThread running fails, naming it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

QTHREAD_GRACE_S = 10.0  # a job just cancelled (or about to deliver) gets this long to end


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/gui/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def _no_qthread_outlives_its_test(request, monkeypatch) -> Iterator[None]:
    """Every QThread of the app is started by ``ThreadRunner.start_job``: record them, and after the test (its
    windows closed, its fixtures torn down) fail it if one still runs. The runner is shut down first, so the
    next tests start clean and the run does not end on a running QThread (which aborts the process)."""
    import shiboken6
    from PySide6.QtWidgets import QApplication

    from nnstudio.gui.threads import ThreadRunner

    started: list[tuple[ThreadRunner, object, str]] = []
    start_job = ThreadRunner.start_job

    def recording_start_job(self, job, companions=(), token=None):
        thread = start_job(self, job, companions, token)
        started.append((self, thread, f"{type(self).__name__} thread {thread.objectName()!r}"))
        return thread

    monkeypatch.setattr(ThreadRunner, "start_job", recording_start_job)
    yield

    def still_running():
        return [(r, t, name) for r, t, name in started if shiboken6.isValid(t) and t.isRunning()]

    deadline = time.monotonic() + QTHREAD_GRACE_S
    running = still_running()
    while running and time.monotonic() < deadline:  # a finished job's result may still be on its way
        QApplication.processEvents()
        running[0][1].wait(20)
        running = still_running()
    if running:
        for runner, _thread, _name in running:
            if shiboken6.isValid(runner):
                runner.shutdown(30_000)
        names = ", ".join(name for _r, _t, name in running)
        pytest.fail(f"{request.node.nodeid} left {len(running)} QThread(s) running: {names}; shut its runner "
                    "down in the test or its fixture (the main_window fixture stops every panel's jobs)",
                    pytrace=False)
