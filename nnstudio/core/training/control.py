"""Thread-safe stop / pause / step controls, checked by the training loop at every batch boundary.

The GUI thread calls these methods; the training thread reads them. They are events rather than Qt slots
because the worker thread is busy in the loop and never returns to its event loop mid-run. Stop is the run's
:class:`~nnstudio.core.base.jobs.JobToken` being cancelled (the GUI runner's Cancel and Stop are one thing). Changes to
the run itself (a new learning rate while paused) are queued with :meth:`call_between_batches` and run
by the training thread at the next boundary, so the optimizer is never touched mid-step.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from nnstudio.core.base.jobs import JobToken


class TrainingControl:
    def __init__(self, token: JobToken | None = None) -> None:
        self.token = token or JobToken()
        self.token.on_cancel(self._wake_for_stop)  # a paused or sleeping loop wakes to see the stop
        self._running = threading.Event()
        self._running.set()
        self._wake = threading.Condition()
        self._steps_left = 0
        self._pending: list[Callable[[], None]] = []
        self._parked = False
        # Called in the training thread just before the loop parks (a GUI bridge flushes its unsent
        # batch results, so the view shows exactly where the run paused).
        self.on_park: Callable[[], None] | None = None
        self.batch_delay = 0.0  # seconds slept after each batch so a class can watch a run unfold

    # ------------------------------------------------------------------ read by anyone
    @property
    def stop_requested(self) -> bool:
        return self.token.cancelled

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def parked(self) -> bool:
        """True while the loop is actually waiting between batches (a pause has taken effect)."""
        return self._parked

    # ------------------------------------------------------------------ called by the GUI / CLI
    def request_stop(self) -> None:
        self.token.cancel()

    def pause(self) -> None:
        self._running.clear()
        self._notify()

    def resume(self) -> None:
        with self._wake:
            self._steps_left = 0
            self._running.set()
            self._wake.notify_all()

    def step(self, batches: int = 1) -> None:
        """Run ``batches`` more batches, then pause again."""
        with self._wake:
            self._steps_left = batches
            self._running.set()
            self._wake.notify_all()

    def call_between_batches(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` in the training thread at the next batch boundary (at once if the loop is paused)."""
        with self._wake:
            self._pending.append(fn)
            self._wake.notify_all()

    @contextmanager
    def stop_on_signals(self, signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM)) -> Iterator[list[int]]:
        """While inside, SIGINT/SIGTERM ask the run to stop at the next batch instead of killing the process.

        Yields a list that receives each caught signal's number, so the caller can tell a user's interrupt
        from a normal end (and exit 128 + signal). A second Ctrl-C raises KeyboardInterrupt, for a user who
        does not want to wait. Outside the main thread (where handlers cannot be set) it does nothing.
        """
        caught: list[int] = []

        def handler(signum: int, _frame: object) -> None:
            if signum == signal.SIGINT and signal.SIGINT in caught:
                raise KeyboardInterrupt
            caught.append(signum)
            self.request_stop()  # only events and the reentrant condition (no lock): safe in a handler

        if threading.current_thread() is not threading.main_thread():
            yield caught
            return
        previous = {s: signal.signal(s, handler) for s in signals}
        try:
            yield caught
        finally:
            for s, old in previous.items():
                signal.signal(s, old)

    # ------------------------------------------------------------------ called by the loop
    def checkpoint(self) -> bool:
        """At a batch boundary: apply queued edits, wait while paused; True when the run must stop."""
        if self._pending:
            self._run_pending()
        if not self._running.is_set():
            self.wait_while_paused()
        return self.token.cancelled

    def after_batch(self) -> None:
        """Called by the loop after each batch: count down a Step, then honour pause."""
        if self._steps_left:
            with self._wake:
                if self._steps_left > 0:
                    self._steps_left -= 1
                    if self._steps_left == 0:
                        self._running.clear()

    def wait_while_paused(self, poll: float = 0.1) -> None:
        if self.on_park is not None and not self._running.is_set():
            self.on_park()
        with self._wake:
            self._parked = True
            try:
                while not self._running.is_set() and not self.token.cancelled:
                    self._run_pending_locked()
                    self._wake.wait(poll)
                self._run_pending_locked()
            finally:
                self._parked = False

    def sleep(self, seconds: float) -> None:
        """The speed control's delay; cut short by stop, pause or queued edits."""
        with self._wake:
            if not self.token.cancelled:
                self._wake.wait(seconds)

    # ------------------------------------------------------------------ internals
    def _wake_for_stop(self) -> None:
        self._running.set()  # wake a paused loop so it can see the stop
        self._notify()

    def _notify(self) -> None:
        with self._wake:
            self._wake.notify_all()

    def _run_pending(self) -> None:
        with self._wake:
            self._run_pending_locked()

    def _run_pending_locked(self) -> None:
        while self._pending:
            self._pending.pop(0)()
