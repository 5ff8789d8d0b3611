"""Attributions off the GUI thread: a worker QObject in a QThread, with progress and Cancel.

The worker explains a list of tasks one after another on its own copy of the trained model. Cancel sets
an event that the wrapped model checks before every batch of evaluations (see
``nnstudio.core.interpret.control``), so it takes effect within one batch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot
from torch import nn

from nnstudio.core.errors import NNStudioError
from nnstudio.core.interpret.control import AttributionControl, Cancelled
from nnstudio.core.interpret.explain import Attribution, explain
from nnstudio.core.interpret.subject import Subject
from nnstudio.core.training.callbacks import Throttle

log = logging.getLogger("nnstudio")


@dataclass
class Task:
    key: str  # where the result goes: "A", "B", or "grid:<n>"
    x: np.ndarray
    method: str
    params: dict[str, Any]
    target: int | None


@dataclass
class Outcome:
    results: dict[str, Attribution] = field(default_factory=dict)
    cancelled: bool = False
    error: str = ""


class AttributionWorker(QObject):
    progress = Signal(int, int, int, int)  # task number, tasks, examples evaluated, expected
    finished = Signal(object)  # Outcome

    def __init__(self, model: nn.Module, subject: Subject, tasks: list[Task], control: AttributionControl) -> None:
        super().__init__()
        self.model, self.subject, self.tasks, self.control = model, subject, tasks, control
        self._throttle = Throttle(0.05)
        self._task = 0

    def _on_progress(self, done: int, total: int) -> None:
        if done >= total or self._throttle.ready():
            self.progress.emit(self._task, len(self.tasks), done, total)

    @Slot()
    def run(self) -> None:
        outcome = Outcome()
        self.control.progress = self._on_progress
        try:
            for i, task in enumerate(self.tasks):
                self._task = i
                outcome.results[task.key] = explain(self.model, self.subject, task.x, task.method, task.params, task.target, self.control)
        except Cancelled:
            outcome.cancelled = True
        except NNStudioError as exc:
            outcome.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - report, never let a worker exception kill the app
            log.exception("attribution failed")
            outcome.error = f"The attribution failed unexpectedly: {type(exc).__name__}: {exc}"
        self.finished.emit(outcome)
        # End this thread's event loop from inside, so shutdown() can wait() without the GUI thread's help.
        QThread.currentThread().quit()


class AttributionRunner(QObject):
    """Lives in the GUI thread and owns the current run's thread; receives worker signals in methods."""

    progress = Signal(float, str)  # fraction done, text
    finished = Signal(object)  # Outcome

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.control = AttributionControl()
        self._thread: QThread | None = None
        self._worker: AttributionWorker | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, model: nn.Module, subject: Subject, tasks: list[Task]) -> None:
        if self.running:
            raise RuntimeError("an attribution is already running")
        self.control = AttributionControl()
        worker = AttributionWorker(model, subject, tasks, self.control)
        thread = QThread(self)
        thread.setObjectName("nnstudio-attribution")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_finished)
        self._thread, self._worker = thread, worker
        thread.start()

    def cancel(self) -> None:
        self.control.cancel()

    @Slot(int, int, int, int)
    def _on_progress(self, task: int, tasks: int, done: int, total: int) -> None:
        fraction = (task + min(done, total) / max(total, 1)) / max(tasks, 1)
        text = f"{done:,} of {total:,} network evaluations"
        if tasks > 1:
            text = f"Example {task + 1} of {tasks}: {text}"
        self.progress.emit(fraction, text)

    @Slot(object)
    def _on_finished(self, outcome: Outcome) -> None:
        self._join()
        self.finished.emit(outcome)

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread.deleteLater()
            self._worker = self._thread = None

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel and join (closing the window, or the model changed). True when no thread is left."""
        if self._thread is None:
            return True
        self.control.cancel()
        if not self._thread.wait(timeout_ms):
            return False
        self._join()
        return True
