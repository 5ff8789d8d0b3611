"""One pattern for every long job of the GUI: run it in a worker thread, get its result back in the GUI thread.

A :class:`Worker` (a QObject moved to a QThread) runs one job; its signals reach slots of a
:class:`ThreadRunner` living in the GUI thread (queued connections to methods, never lambdas), which joins the
thread and re-emits. Results cross threads as plain data; an exception in a job becomes a message a student can
act on, never a traceback. Runners for training, evaluation, attributions, data loading and the Runs tab's
tasks subclass :class:`ThreadRunner` and add their own typed signals and controls.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

import torch
from PySide6.QtCore import QObject, QThread, Signal, Slot

from nnstudio.core.base.errors import NNStudioError

log = logging.getLogger("nnstudio")

Report = Callable[..., None]  # report(*values): progress from the job, queued to the runner's _on_progress
Job = Callable[[Report], Any]  # runs in the worker thread; returns the result (plain data)


def failure_message(exc: BaseException, what: str) -> str:
    """What the user reads when a job raised: our own errors as they are; anything else is logged with its
    traceback (for a bug report) and summarised in one line."""
    if isinstance(exc, NNStudioError):
        return str(exc)
    log.error("%s failed", what, exc_info=exc)
    return f"{what} failed unexpectedly: {type(exc).__name__}: {exc}"


_TICKETS = itertools.count(1)


class Worker(QObject):
    """Runs one job in the thread it was moved to, then ends that thread's event loop."""

    # Each signal carries the worker's ticket first, so a runner can tell a late signal of an old job.
    progress = Signal(object, object)  # the tuple of values the job reported
    finished = Signal(object, object)  # the job's result
    failed = Signal(object, str)  # failure_message of what the job raised

    def __init__(self, job: Job, what: str) -> None:
        super().__init__()
        self.job, self.what = job, what
        self.ticket = next(_TICKETS)
        # The thread count is per thread: read it here in the GUI thread, apply it in the worker thread.
        self.threads = torch.get_num_threads()

    def report(self, *values: Any) -> None:
        self.progress.emit(self.ticket, values)

    @Slot()
    def run(self) -> None:
        torch.set_num_threads(self.threads)
        try:
            result = self.job(self.report)
        except Exception as exc:  # noqa: BLE001 - report, never let a worker exception kill the app
            self.failed.emit(self.ticket, failure_message(exc, self.what))
        else:
            self.finished.emit(self.ticket, result)
        # End the thread's event loop from inside: a GUI thread blocked in wait() (closing) cannot deliver quit.
        QThread.currentThread().quit()


# Threads of detached runners live here, not as Qt children of their runner, until they have finished: a panel
# (or a test) that goes away while such a job runs must not destroy a running QThread, which aborts the process.
_DETACHED: list[tuple[QThread, Worker]] = []


def _prune() -> None:
    _DETACHED[:] = [(t, w) for t, w in _DETACHED if not t.isFinished()]


class ThreadRunner(QObject):
    """Owns at most one worker thread. Lives in the GUI thread, where ``finished``/``failed`` are emitted.

    Subclasses set ``what`` (the subject of messages) and ``thread_name``, call :meth:`start_job` from their own
    ``start``, and override the hooks ``_on_progress``, ``_deliver``, ``_deliver_failure`` and ``_joined``.
    """

    finished = Signal(object)  # the job's result
    failed = Signal(str)  # what went wrong, for the user

    what = "The job"
    thread_name = "nnstudio-worker"
    detached = False  # True: the thread has no Qt parent (see _DETACHED)

    # Jobs running now in all runners that hold back start-up's idle work (building the tabs not opened yet), so
    # a first evaluation right after start-up does not share the GUI thread with it. A training run lasts long
    # and its own GUI work is paced, so it does not hold the building back (TrainingRunner turns this off).
    active = 0
    holds_back_idle_work = True

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cancel_event = threading.Event()  # jobs that poll for Cancel read this one
        self._thread: QThread | None = None
        self._worker: Worker | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start_job(self, job: Job, companions: Sequence[QObject] = ()) -> QThread:
        """Run ``job(report)`` in a new thread. ``companions``: QObjects that belong in that thread too."""
        if self.running:
            raise RuntimeError(f"{self.what} is already running")
        self.cancel_event.clear()
        worker = Worker(job, self.what)
        thread = QThread() if self.detached else QThread(self)
        thread.setObjectName(self.thread_name)
        worker.moveToThread(thread)
        for obj in companions:
            obj.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self._on_worker_progress)
        worker.finished.connect(self._on_worker_finished)
        worker.failed.connect(self._on_worker_failed)
        if self.detached:
            _prune()
            _DETACHED.append((thread, worker))
        self._thread, self._worker = thread, worker
        ThreadRunner.active += self.holds_back_idle_work
        thread.start()
        return thread

    def cancel(self) -> None:
        """Ask the job to stop early; subclasses also tell their own controls."""
        self.cancel_event.set()

    def shutdown(self, timeout_ms: int | None = 30_000) -> bool:
        """Cancel and join (the window is closing, or what the job works on changed); ``None`` waits as long as
        it takes. True when no thread is left."""
        thread = self._thread
        if thread is None:
            return True
        self.cancel()
        thread.quit()
        if not (thread.wait() if timeout_ms is None else thread.wait(timeout_ms)):
            return False
        self._join()
        return True

    # ------------------------------------------------------------------ hooks for subclasses (GUI thread)
    def _on_progress(self, values: tuple[Any, ...]) -> None:
        """The job called ``report(*values)``."""

    def _deliver(self, result: Any) -> None:
        self.finished.emit(result)

    def _deliver_failure(self, message: str) -> None:
        self.failed.emit(message)

    def _joined(self) -> None:
        """The thread has ended; undo what ``start`` set up for it."""

    # ------------------------------------------------------------------ worker signals
    def _stale(self, ticket: int) -> bool:
        # A job shut down earlier may still have its signals queued; they must not end the job now running.
        return self._worker is not None and ticket != self._worker.ticket

    @Slot(object, object)
    def _on_worker_progress(self, ticket: int, values: tuple[Any, ...]) -> None:
        if not self._stale(ticket):
            self._on_progress(values)

    @Slot(object, object)
    def _on_worker_finished(self, ticket: int, result: Any) -> None:
        if not self._stale(ticket):
            self._join()
            self._deliver(result)

    @Slot(object, str)
    def _on_worker_failed(self, ticket: int, message: str) -> None:
        if not self._stale(ticket):
            self._join()
            self._deliver_failure(message)

    def _join(self) -> None:
        thread = self._thread
        if thread is None:
            return
        thread.quit()
        thread.wait()
        self._thread = self._worker = None
        ThreadRunner.active -= self.holds_back_idle_work
        if self.detached:
            _prune()
        else:
            thread.deleteLater()
        self._joined()
