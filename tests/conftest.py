"""Shared fixtures. GUI tests run offscreen; every window's training thread is joined in its test.

A test that leaves a thread running fails, naming it, and a run that ends with threads alive exits rather
than waiting on them: a paused training thread used to keep the interpreter alive after an assert failed.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Callable, Iterator

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
import torch  # noqa: E402,F401  - torch before Qt, as in the app's entry point

torch.set_num_threads(1)


THREAD_GRACE_S = 5.0  # a thread a test has just told to stop gets this long to end before the test fails
# Threads that may outlive a test: the run's own (the main one, daemons, foreign threads such as QThreads,
# which tests/gui/conftest.py checks) and these, by name prefix.
ALLOWED_THREAD_PREFIXES: tuple[str, ...] = ()


def _lingering_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate()
            if t is not threading.main_thread() and not t.daemon and not isinstance(t, threading._DummyThread)
            and not t.name.startswith(ALLOWED_THREAD_PREFIXES)}


def _describe(threads) -> str:
    return ", ".join(sorted(repr(t.name) for t in threads))


@pytest.fixture(autouse=True)
def _no_thread_outlives_its_test(request) -> Iterator[None]:
    """Fail the test that leaves a non-daemon thread running (after a grace join): left alone, the thread
    keeps the process alive after the last test and the run hangs until CI's timeout."""
    before = _lingering_threads()
    yield
    left = _lingering_threads() - before
    for thread in left:
        thread.join(THREAD_GRACE_S / len(left))
    left = {t for t in left if t.is_alive()}
    if left:
        pytest.fail(f"{request.node.nodeid} left {len(left)} thread(s) running: {_describe(left)}; stop and join "
                    "every thread a test starts in a finally or a fixture (see the start_thread fixture)",
                    pytrace=False)


def pytest_sessionfinish(session, exitstatus) -> None:
    if _lingering_threads():
        session.config._thread_guard_session = session  # pytest_unconfigure exits with its status
        if session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config) -> None:
    """The last word of the run: with threads still alive, say which and exit now instead of hanging."""
    session = getattr(config, "_thread_guard_session", None)
    left = _lingering_threads()
    if session is None or not left:
        return
    print(f"\nThreads still alive at the end of the run: {_describe(left)}; exiting without waiting for them.",
          file=sys.stderr)
    import faulthandler

    faulthandler.dump_traceback(file=sys.stderr)  # where each one is stuck
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(session.exitstatus) or int(pytest.ExitCode.TESTS_FAILED))


@pytest.fixture
def start_thread() -> Iterator[Callable[..., threading.Thread]]:
    """``start_thread(target, stop, **kwargs)`` starts ``threading.Thread(target=target, **kwargs)``; at teardown,
    failed test or not, ``stop()`` is called and the thread joined, so an assert that fails while the thread
    waits (paused) cannot leave it running."""
    started: list[tuple[threading.Thread, Callable[[], None]]] = []

    def start(target: Callable[..., object], stop: Callable[[], None], **kwargs) -> threading.Thread:
        thread = threading.Thread(target=target, **kwargs)
        started.append((thread, stop))
        thread.start()
        return thread

    yield start
    for thread, stop in started:
        stop()
        thread.join(30)


@pytest.fixture(autouse=True)
def _collect_garbage_in_the_main_thread():
    """Finalize each test's dead Qt objects in the main thread, before the next test starts worker threads:
    a collection that starts in a worker thread and finalizes Qt wrappers can deadlock with the GUI thread.

    What survives the collection is frozen (as the app freezes its start-up objects), so the next test's
    collection walks only what that test made: a full walk of torch, scikit-learn and Qt took 0.16 s a test
    on a quiet machine, a third of the suite's time."""
    yield
    gc.collect()
    gc.freeze()


@pytest.fixture
def settings_path(tmp_path):
    return tmp_path / "settings.ini"


@pytest.fixture
def main_window(qtbot, settings_path, monkeypatch):
    """The real main window on the default project, with settings in a temp file.

    pytest-qt closes the window before this fixture's teardown runs, so an unsaved-changes prompt is
    answered "Discard" here rather than left to block the test."""
    from PySide6.QtWidgets import QMessageBox

    from nnstudio.gui.main_window import MainWindow

    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Discard))
    from nnstudio.gui.settings_store import SettingsStore

    window = MainWindow(SettingsStore(settings_path))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    # pytest-qt has closed the window by now, which stops its threads; a test that failed with a run paused,
    # or a window whose close was refused, gets them stopped and joined here. Only built tabs are touched.
    window.shutdown_panels()
    window.document.set_modified(False)
