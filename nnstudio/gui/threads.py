"""One contract for every long job of the GUI: a job raises or returns, and its runner emits ONE completion.

A :class:`Worker` (a QObject moved to a QThread) runs one job; its single signal reaches a slot of a
:class:`ThreadRunner` living in the GUI thread (queued connections to methods, never lambdas), which joins the
thread and emits ``completed`` with a :class:`Completion`: the job's result, or the error a student can act on
(never a traceback), or "cancelled" when the job raised :class:`~nnstudio.core.base.errors.Cancelled`. Cancel
goes through the runner's :class:`~nnstudio.core.base.jobs.JobToken` (``runner.token``, new for each job), which
the job checks. Runners for training, evaluation, attributions, data loading, export and the Runs tab's tasks
subclass :class:`ThreadRunner` and add their own progress signals and controls, never another completion.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from PySide6.QtCore import QObject, QThread, Signal, Slot

from nnstudio.core.base.errors import Cancelled, NNStudioError
from nnstudio.core.base.jobs import JobToken

log = logging.getLogger("nnstudio")

Report = Callable[..., None]  # report(*values): progress from the job, queued to the runner's _on_progress
# job(token, report) runs in the worker thread; returns the result (plain data) or raises. ``token.report(done,
# total, text)`` is ``report(done, total, text)``; jobs check ``token`` for Cancel.
Job = Callable[[JobToken, Report], Any]


def failure_message(exc: BaseException, what: str) -> str:
    """What the user reads when a job raised: our own errors as they are; anything else is logged with its
    traceback (for a bug report) and summarised in one line."""
    if isinstance(exc, NNStudioError):
        return str(exc)
    log.error("%s failed", what, exc_info=exc)
    return f"{what} failed unexpectedly: {type(exc).__name__}: {exc}"


@dataclass(frozen=True)
class Completion:
    """How one job ended: exactly one of a result, an error, or cancelled."""

    result: Any = None
    error: str = ""  # what the user reads: the failure, or the Cancelled error's words
    exception: BaseException | None = None  # what the job raised (a loader offers to locate a missing file)
    cancelled: bool = False

    @property
    def failed(self) -> bool:
        return self.exception is not None and not self.cancelled

    @classmethod
    def of(cls, exc: BaseException, what: str) -> Completion:
        if isinstance(exc, Cancelled):
            return cls(error=str(exc), exception=exc, cancelled=True)
        return cls(error=failure_message(exc, what), exception=exc)


_TICKETS = itertools.count(1)


class Worker(QObject):
    """Runs one job in the thread it was moved to, then ends that thread's event loop."""

    # Each signal carries the worker's ticket first, so a runner can tell a late signal of an old job.
    progress = Signal(object, object)  # the tuple of values the job reported
    completed = Signal(object, object)  # the Completion, emitted once

    def __init__(self, job: Job, what: str, token: JobToken | None = None) -> None:
        super().__init__()
        self.job, self.what = job, what
        self.ticket = next(_TICKETS)
        self.token = token or JobToken()
        self.token.progress = self.report  # token.report(done, total, text) is report(done, total, text)
        # The thread count is per thread: read it here in the GUI thread, apply it in the worker thread.
        self.threads = torch.get_num_threads()

    def report(self, *values: Any) -> None:
        self.progress.emit(self.ticket, values)

    @Slot()
    def run(self) -> None:
        torch.set_num_threads(self.threads)
        try:
            completion = Completion(self.job(self.token, self.report))
        except Exception as exc:  # noqa: BLE001 - report, never let a worker exception kill the app
            completion = Completion.of(exc, self.what)
        self.completed.emit(self.ticket, completion)
        # End the thread's event loop from inside: a GUI thread blocked in wait() (closing) cannot deliver quit.
        QThread.currentThread().quit()


# Threads of detached runners live here, not as Qt children of their runner, until they have finished: a panel
# (or a test) that goes away while such a job runs must not destroy a running QThread, which aborts the process.
_DETACHED: list[tuple[QThread, Worker]] = []


def _prune() -> None:
    _DETACHED[:] = [(t, w) for t, w in _DETACHED if not t.isFinished()]


class ThreadRunner(QObject):
    """Owns at most one worker thread. Lives in the GUI thread, where ``completed`` is emitted, once per job.

    Subclasses set ``what`` (the subject of messages) and ``thread_name``, call :meth:`start_job` from their own
    ``start``, and override the hooks ``_on_progress``, ``_complete`` and ``_joined``.
    """

    completed = Signal(object)  # the Completion of the job

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
        self.token = JobToken()  # the running job's (each job gets its own): cancel() cancels it
        self._thread: QThread | None = None
        self._worker: Worker | None = None
        self._ticket = 0  # the newest job's; its completion is the only one delivered, once

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start_job(self, job: Job, companions: Sequence[QObject] = (), token: JobToken | None = None) -> QThread:
        """Run ``job(token, report)`` in a new thread. ``companions``: QObjects that belong in that thread too;
        ``token``: the job's token when a control already holds it (a new one otherwise)."""
        if self.running:
            raise RuntimeError(f"{self.what} is already running")
        worker = Worker(job, self.what, token)
        self.token = worker.token
        thread = QThread() if self.detached else QThread(self)
        thread.setObjectName(self.thread_name)
        worker.moveToThread(thread)
        for obj in companions:
            obj.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self._on_worker_progress)
        worker.completed.connect(self._on_worker_completed)
        if self.detached:
            _prune()
            _DETACHED.append((thread, worker))
        self._thread, self._worker, self._ticket = thread, worker, worker.ticket
        ThreadRunner.active += self.holds_back_idle_work
        thread.start()
        return thread

    def cancel(self) -> None:
        """Ask the job to stop early (through ``token``); subclasses also tell their own controls."""
        self.token.cancel()

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

    def _complete(self, completion: Completion) -> None:
        """The job ended (the thread is joined); a subclass may look at it first, then emits it."""
        self.completed.emit(completion)

    def _joined(self) -> None:
        """The thread has ended; undo what ``start`` set up for it."""

    # ------------------------------------------------------------------ worker signals
    @Slot(object, object)
    def _on_worker_progress(self, ticket: int, values: tuple[Any, ...]) -> None:
        if ticket == self._ticket:  # an old job's progress, still queued, is not this job's
            self._on_progress(values)

    @Slot(object, object)
    def _on_worker_completed(self, ticket: int, completion: Completion) -> None:
        # A job shut down earlier may still have its completion queued: it must not end the job now running.
        if ticket != self._ticket:
            return
        self._ticket = 0  # delivered: nothing more of this job reaches the hooks
        self._join()
        self._complete(completion)

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
