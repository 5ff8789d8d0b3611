"""The shared worker-thread runner: results and failures arrive in the GUI thread, Cancel and shutdown join."""

from __future__ import annotations

import threading
import time

import torch
from PySide6.QtCore import QThread

from nnstudio.core.base.errors import NNStudioError
from nnstudio.gui.threads import ThreadRunner


class Recorder(ThreadRunner):
    """Records where each hook runs, and the progress reported."""

    what = "The test job"

    def __init__(self) -> None:
        super().__init__()
        self.progress_seen: list[tuple] = []
        self.delivered_in: list[QThread] = []

    def _on_progress(self, values: tuple) -> None:
        self.progress_seen.append(values)

    def _deliver(self, result: object) -> None:
        self.delivered_in.append(QThread.currentThread())
        super()._deliver(result)


def test_a_jobs_result_and_progress_arrive_in_the_gui_thread(qtbot):
    runner = Recorder()
    ran_in: list[QThread] = []

    def job(report) -> dict:
        ran_in.append(QThread.currentThread())
        report(1, 2)
        return {"answer": 42, "threads": torch.get_num_threads()}

    with qtbot.waitSignal(runner.finished, timeout=10_000) as blocker:
        runner.start_job(job)
    assert blocker.args == [{"answer": 42, "threads": torch.get_num_threads()}]  # the GUI thread's count
    assert runner.delivered_in == [QThread.currentThread()] and ran_in[0] is not QThread.currentThread()
    assert not runner.running  # joined before the result was handed on
    assert runner.progress_seen == [(1, 2)]


def test_an_exception_in_the_job_becomes_a_failure_message(qtbot):
    runner = ThreadRunner()
    runner.what = "The sum"

    def own_error(report) -> None:
        raise NNStudioError("The column 'x' is missing: choose another target")

    def bug(report) -> None:
        raise ZeroDivisionError("division by zero")

    with qtbot.waitSignal(runner.failed, timeout=10_000) as blocker:
        runner.start_job(own_error)
    assert blocker.args == ["The column 'x' is missing: choose another target"]
    with qtbot.waitSignal(runner.failed, timeout=10_000) as blocker:
        runner.start_job(bug)
    assert blocker.args == ["The sum failed unexpectedly: ZeroDivisionError: division by zero"]
    assert "Traceback" not in blocker.args[0] and not runner.running


def test_cancel_then_shutdown_joins_the_thread(qtbot):
    runner = ThreadRunner()
    started = threading.Event()

    def until_cancelled(report) -> str:
        started.set()
        while not runner.cancel_event.is_set():
            time.sleep(0.005)
        return "stopped"

    thread = runner.start_job(until_cancelled)
    assert started.wait(10) and runner.running
    runner.cancel()
    assert runner.shutdown(10_000)
    assert not runner.running and thread.isFinished()
    # The next job starts with Cancel cleared.
    with qtbot.waitSignal(runner.finished, timeout=10_000) as blocker:
        runner.start_job(lambda report: runner.cancel_event.is_set())
    assert blocker.args == [False]


def test_shutdown_cancels_a_running_job_and_a_late_result_never_ends_the_next_job(qtbot):
    runner = ThreadRunner()
    release = threading.Event()
    results: list[object] = []
    runner.finished.connect(results.append)

    def first(report) -> str:
        runner.cancel_event.wait(10)
        return "first"

    def second(report) -> str:
        release.wait(10)
        return "second"

    runner.start_job(first)
    assert runner.shutdown(10_000) and not runner.running  # shutdown itself cancelled the job
    runner.start_job(second)
    qtbot.wait(50)  # the first job's queued result is delivered now, while the second runs
    assert runner.running and results in ([], ["first"])
    release.set()
    qtbot.waitUntil(lambda: not runner.running, timeout=10_000)
    assert results[-1] == "second"


def test_shutdown_with_nothing_running_returns_true():
    runner = ThreadRunner()
    assert runner.shutdown() and runner.shutdown(0) and not runner.running


def test_a_detached_runners_thread_has_no_qt_parent(qtbot):
    runner = ThreadRunner()
    runner.detached = True
    thread = runner.start_job(lambda report: None)
    assert thread.parent() is None
    qtbot.waitUntil(lambda: not runner.running, timeout=10_000)
    assert thread.isFinished()
