"""The shared worker-thread runner: a job raises or returns, and the runner emits exactly one completion (a result,
an error, or cancelled) in the GUI thread; Cancel goes through the job's token; shutdown joins."""

from __future__ import annotations

import threading

import torch
from PySide6.QtCore import QThread

from nnstudio.core.base.errors import Cancelled, NNStudioError
from nnstudio.core.base.jobs import JobToken
from nnstudio.gui.threads import Completion, ThreadRunner


class Recorder(ThreadRunner):
    """Records every completion, where it was emitted, and the progress reported."""

    what = "The test job"

    def __init__(self) -> None:
        super().__init__()
        self.progress_seen: list[tuple] = []
        self.completions: list[Completion] = []
        self.completed_in: list[QThread] = []
        self.completed.connect(self.completions.append)

    def _on_progress(self, values: tuple) -> None:
        self.progress_seen.append(values)

    def _complete(self, completion: Completion) -> None:
        self.completed_in.append(QThread.currentThread())
        super()._complete(completion)


def _settle(qtbot, runner: Recorder) -> None:
    """Wait for the job to end, then let any late (wrong, second) completion arrive too."""
    qtbot.waitUntil(lambda: not runner.running and bool(runner.completions), timeout=10_000)
    qtbot.wait(30)


def test_a_returning_job_completes_once_with_its_result_and_progress_in_the_gui_thread(qtbot):
    runner = Recorder()
    ran_in: list[QThread] = []

    def job(token: JobToken, report) -> dict:
        ran_in.append(QThread.currentThread())
        report(1, 2)
        token.report(2, 2, "reading")
        return {"answer": 42, "threads": torch.get_num_threads()}

    runner.start_job(job)
    _settle(qtbot, runner)
    assert runner.completions == [Completion({"answer": 42, "threads": torch.get_num_threads()})]  # GUI thread's count
    done = runner.completions[0]
    assert not done.failed and not done.cancelled and done.error == "" and done.exception is None
    assert runner.completed_in == [QThread.currentThread()] and ran_in[0] is not QThread.currentThread()
    assert runner.progress_seen == [(1, 2), (2, 2, "reading")]


def test_a_raising_job_completes_once_with_a_message_a_student_can_act_on(qtbot):
    runner = Recorder()
    runner.what = "The sum"

    def own_error(token, report) -> None:
        raise NNStudioError("The column 'x' is missing: choose another target")

    def bug(token, report) -> None:
        raise ZeroDivisionError("division by zero")

    runner.start_job(own_error)
    _settle(qtbot, runner)
    runner.start_job(bug)
    qtbot.waitUntil(lambda: len(runner.completions) == 2, timeout=10_000)
    qtbot.wait(30)
    first, second = runner.completions
    assert first.error == "The column 'x' is missing: choose another target" and first.failed and not first.cancelled
    assert isinstance(first.exception, NNStudioError) and first.result is None
    assert second.error == "The sum failed unexpectedly: ZeroDivisionError: division by zero" and second.failed
    assert "Traceback" not in second.error and not runner.running and len(runner.completions) == 2


def test_a_cancelled_job_completes_once_as_cancelled_with_its_own_words(qtbot):
    runner = Recorder()
    started = threading.Event()

    class SumCancelled(Cancelled):
        def __init__(self) -> None:
            super().__init__("The sum was cancelled; press Sum to run it again")

    def until_cancelled(token: JobToken, report) -> str:
        started.set()
        while not token.wait(10):
            pass
        token.raise_if_cancelled(SumCancelled)
        return "never"

    runner.start_job(until_cancelled)
    assert started.wait(10) and runner.running
    runner.cancel()
    _settle(qtbot, runner)
    [done] = runner.completions
    assert done.cancelled and not done.failed and done.result is None
    assert done.error == "The sum was cancelled; press Sum to run it again"
    # The next job has a token of its own: the old Cancel does not reach it.
    runner.start_job(lambda token, report: token.cancelled)
    qtbot.waitUntil(lambda: len(runner.completions) == 2, timeout=10_000)
    assert runner.completions[1] == Completion(False)


def test_cancel_racing_the_end_still_gives_one_completion(qtbot):
    """Cancel pressed after the job returned but before its completion reached the GUI thread."""
    runner = Recorder()
    returned = threading.Event()

    def job(token: JobToken, report) -> str:
        returned.set()
        return "done"

    runner.start_job(job)
    assert returned.wait(10)
    runner.cancel()  # the completion is queued, or about to be: it stays the job's result
    runner.cancel()
    _settle(qtbot, runner)
    assert runner.completions == [Completion("done")]
    runner.cancel()  # after the end: nothing more arrives
    qtbot.wait(30)
    assert len(runner.completions) == 1


def test_shutdown_cancels_a_running_job_and_a_late_result_never_ends_the_next_job(qtbot):
    runner = Recorder()
    release = threading.Event()

    def first(token: JobToken, report) -> str:
        token.wait(10)
        return "first"

    def second(token, report) -> str:
        release.wait(10)
        return "second"

    thread = runner.start_job(first)
    assert runner.shutdown(10_000) and not runner.running and thread.isFinished()  # shutdown cancelled the job
    runner.start_job(second)
    qtbot.wait(50)  # the first job's queued completion arrives now, while the second runs: it is dropped
    assert runner.running and runner.completions == []
    release.set()
    qtbot.waitUntil(lambda: not runner.running, timeout=10_000)
    qtbot.wait(30)
    assert runner.completions == [Completion("second")]


def test_a_controls_token_is_the_jobs_token(qtbot):
    runner = Recorder()
    token = JobToken()
    seen: list[JobToken] = []
    runner.start_job(lambda job_token, report: seen.append(job_token), token=token)
    assert runner.token is token
    _settle(qtbot, runner)
    assert seen == [token]


def test_shutdown_with_nothing_running_returns_true():
    runner = ThreadRunner()
    assert runner.shutdown() and runner.shutdown(0) and not runner.running


def test_a_detached_runners_thread_has_no_qt_parent(qtbot):
    runner = ThreadRunner()
    runner.detached = True
    thread = runner.start_job(lambda token, report: None)
    assert thread.parent() is None
    qtbot.waitUntil(lambda: not runner.running, timeout=10_000)
    assert thread.isFinished()
