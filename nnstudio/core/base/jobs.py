"""One job token for every long computation: progress, Cancel, and raise-if-cancelled.

The caller (a GUI runner, the CLI) creates a :class:`JobToken` and hands it to the computation, which calls
:meth:`JobToken.report` as it goes and :meth:`JobToken.raise_if_cancelled` at the points where stopping is
safe (between chunks, batches, files). Another thread presses Cancel with :meth:`JobToken.cancel`. The token
is plain ``threading`` so the core stays Qt-free, and ``cancel`` takes no lock so a signal handler may call it.

A reader deep under an API that takes no token can find the caller's through :func:`current`, which the
caller installs with ``with token.active():`` (per thread).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from nnstudio.core.base.errors import Cancelled

Progress = Callable[[int, int, str], None]  # (done, total, what is being done now)


class JobToken:
    """Shared by the thread that runs a job (report, check) and the one that may cancel it."""

    def __init__(self, progress: Progress | None = None) -> None:
        self.progress = progress
        self._cancel = threading.Event()
        self._on_cancel: list[Callable[[], None]] = []

    # ------------------------------------------------------------------ the canceller's side
    def cancel(self) -> None:
        """Ask the job to stop at its next check; callbacks from :meth:`on_cancel` run at once, in this thread."""
        if self._cancel.is_set():
            return
        self._cancel.set()
        for fn in list(self._on_cancel):
            fn()

    def on_cancel(self, fn: Callable[[], None]) -> None:
        """Call ``fn`` when the token is cancelled (at once if it already is): to wake a job that waits."""
        self._on_cancel.append(fn)
        if self._cancel.is_set():
            fn()

    # ------------------------------------------------------------------ the job's side
    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def raise_if_cancelled(self, error: Callable[[], Cancelled] = Cancelled) -> None:
        """Raise ``error()`` (a :class:`Cancelled` subclass that says how to run the job again) once cancelled."""
        if self._cancel.is_set():
            raise error()

    def report(self, done: int, total: int, text: str = "") -> None:
        if self.progress is not None:
            self.progress(int(done), int(total), text)

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, cut short by Cancel; True when cancelled."""
        return self._cancel.wait(seconds)

    @contextmanager
    def active(self) -> Iterator[JobToken]:
        """Within this block, :func:`current` in this thread returns this token."""
        previous = getattr(_current, "token", None)
        _current.token = self
        try:
            yield self
        finally:
            _current.token = previous


_current = threading.local()


def current() -> JobToken:
    """The token installed in this thread by :meth:`JobToken.active`, or a fresh one nobody can cancel."""
    token = getattr(_current, "token", None)
    return token if token is not None else JobToken()
