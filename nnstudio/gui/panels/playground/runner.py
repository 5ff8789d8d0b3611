"""The Playground's training thread: the engine's updates (:func:`~nnstudio.core.playground.live.train_live` on
the engine's Trainer, the same batches and steps as ``Trainer.fit``) run open-ended through the shared
:class:`~nnstudio.gui.threads.ThreadRunner`, paused, stepped and stopped with its :class:`TrainingControl`;
frames arrive in the GUI thread through ``frame_ready``.

The run and the painting take turns (the frame callback waits for each frame's paint): run at once, the
two threads fought over the GIL and the spiral benchmark trained at a tenth of its speed with the GUI timer
250 ms late. Taking turns in a worker thread keeps the engine's updates (pause, step and stop through its
TrainingControl) and leaves the GUI thread idle between frames, so clicks and timers are served at once.
"""

from __future__ import annotations

from typing import Any

import torch
from PySide6.QtCore import Signal

from nnstudio.core.playground.frames import Frame, FrameCallback
from nnstudio.core.playground.live import train_live
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import Trainer
from nnstudio.gui.threads import ThreadRunner

OPEN_ENDED = 1_000_000  # epochs: the Playground trains until paused, reset or closed


class PlaygroundRunner(ThreadRunner):
    frame_ready = Signal(object)  # Frame

    what = "The Playground"
    thread_name = "nnstudio-playground"
    holds_back_idle_work = False  # a parked Playground must not hold back start-up's tab building

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.control = TrainingControl()
        self.callback: FrameCallback | None = None

    def start(self, trainer: Trainer, callback: FrameCallback, playing: bool) -> None:
        self.control = control = TrainingControl()
        self.callback = callback
        if not playing:
            control.pause()
        control.on_park = callback.emit  # Step and Pause show where the run stopped

        def job(_token, report) -> None:  # what it raises reaches the panel through ``completed``
            # One intra-op thread: on these tiny tensors more only spin, and on two cores that took the run
            # from 1,600 to 42 batches in 3 s. (The count is per thread; each job sets its own.)
            torch.set_num_threads(1)
            callback.sink = report
            train_live(trainer, callback, control, OPEN_ENDED)

        self.start_job(job, token=control.token)

    def _on_progress(self, values: tuple[Any, ...]) -> None:
        if values and isinstance(values[0], Frame):
            self.frame_ready.emit(values[0])

    def frame_shown(self) -> None:
        if self.callback is not None:
            self.callback.shown.set()

    def play(self) -> None:
        self.control.resume()

    def pause(self) -> None:
        self.control.pause()

    def step(self) -> None:
        self.control.step(1)

    @property
    def playing(self) -> bool:
        return self.running and not self.control.paused

    def between_batches(self, change) -> None:
        """Run ``change`` in the training thread at the next batch boundary (at once while parked)."""
        self.control.call_between_batches(change)
