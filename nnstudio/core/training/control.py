"""Thread-safe stop / pause / step controls, checked by the training loop at every batch boundary.

The GUI thread calls these methods; the training thread only reads them. They are events rather than
Qt slots because the worker thread is busy in the loop and never returns to its event loop mid-run.
"""

from __future__ import annotations

import threading


class TrainingControl:
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._steps_left = 0
        self._lock = threading.Lock()
        self.batch_delay = 0.0  # seconds slept after each batch so a class can watch a run unfold

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def request_stop(self) -> None:
        self._stop.set()
        self._running.set()  # wake a paused loop so it can see the stop

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        with self._lock:
            self._steps_left = 0
        self._running.set()

    def step(self, batches: int = 1) -> None:
        """Run ``batches`` more batches, then pause again."""
        with self._lock:
            self._steps_left = batches
        self._running.set()

    def after_batch(self) -> None:
        """Called by the loop after each batch: count down a Step, then honour pause."""
        with self._lock:
            if self._steps_left > 0:
                self._steps_left -= 1
                if self._steps_left == 0:
                    self._running.clear()

    def wait_while_paused(self, poll: float = 0.1) -> None:
        while not self._running.wait(poll):
            if self._stop.is_set():
                return
