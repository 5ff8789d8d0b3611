"""The one job token (core/base/jobs.py): progress, Cancel, raise-if-cancelled, and the per-thread current token."""

from __future__ import annotations

import threading

import pytest

from nnstudio.core.base.errors import Cancelled, NNStudioError
from nnstudio.core.base.jobs import JobToken, current


def test_progress_reaches_the_callback_with_its_text() -> None:
    seen: list[tuple[int, int, str]] = []
    token = JobToken(lambda done, total, text: seen.append((done, total, text)))
    token.report(3, 10, "reading rows")
    token.report(10, 10)
    assert seen == [(3, 10, "reading rows"), (10, 10, "")]
    JobToken().report(1, 2, "no callback is fine")


def test_cancel_is_seen_by_raise_if_cancelled_with_the_jobs_own_message() -> None:
    token = JobToken()
    token.raise_if_cancelled()  # not cancelled: nothing happens
    assert not token.cancelled
    token.cancel()
    assert token.cancelled
    with pytest.raises(Cancelled, match="The job was cancelled; start it again"):
        token.raise_if_cancelled()

    class EvaluationStopped(Cancelled):
        def __init__(self) -> None:
            super().__init__("The evaluation was cancelled; press Evaluate to run it again")

    with pytest.raises(EvaluationStopped, match="press Evaluate") as caught:
        token.raise_if_cancelled(EvaluationStopped)
    assert isinstance(caught.value, NNStudioError)  # the CLI and the GUI print it as one line


def test_cancel_from_another_thread_wakes_a_waiting_job_and_runs_callbacks_once() -> None:
    token = JobToken()
    woken: list[str] = []
    token.on_cancel(lambda: woken.append("first"))
    thread = threading.Thread(target=token.cancel)
    thread.start()
    try:
        assert token.wait(30) is True  # cut short by the cancel, not by the 30 s
    finally:
        thread.join()
    token.cancel()  # a second press changes nothing
    assert woken == ["first"]
    token.on_cancel(lambda: woken.append("late"))  # registered after the cancel: runs at once
    assert woken == ["first", "late"]
    assert JobToken().wait(0) is False


def test_current_is_the_token_installed_in_this_thread_only() -> None:
    token = JobToken()
    assert current() is not token and not current().cancelled
    other: list[JobToken] = []
    with token.active():
        assert current() is token
        thread = threading.Thread(target=lambda: other.append(current()))
        thread.start()
        thread.join()
        inner = JobToken()
        with inner.active():
            assert current() is inner
        assert current() is token  # nesting restores the outer token
    assert other[0] is not token
    assert current() is not token


def test_the_training_controls_stop_is_its_token_and_wakes_a_sleeping_or_paused_loop() -> None:
    from nnstudio.core.training.control import TrainingControl

    token = JobToken()
    control = TrainingControl(token)
    assert control.token is token and not control.stop_requested
    control.pause()
    woke: list[str] = []

    def loop() -> None:
        control.sleep(60)  # the speed control's delay: cut short by the stop
        woke.append("slept")
        woke.append("stop" if control.checkpoint() else "go on")  # parked while paused, until the stop

    thread = threading.Thread(target=loop)
    thread.start()
    try:
        token.cancel()  # the GUI runner's Cancel: the same as Stop
        thread.join(30)
        assert not thread.is_alive()
    finally:
        token.cancel()
        thread.join()
    assert woke == ["slept", "stop"] and control.stop_requested
    other = TrainingControl()
    other.request_stop()
    assert other.token.cancelled
