"""Heavy Runs-tab work (LR finder, sweep) in a worker thread with progress and Cancel.

As in gui/worker.py: a QObject worker moved to a QThread; its signals reach methods of a QObject living
in the GUI thread; cancelling sets an event the task polls between batches; shutdown() joins the thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import torch
from PySide6.QtCore import QObject, QThread, Signal, Slot

from nnstudio.core.errors import NNStudioError
from nnstudio.core.training.control import TrainingControl

log = logging.getLogger("nnstudio")


class TaskContext:
    """What a task function receives: report progress, hand over items, see whether Cancel was pressed."""

    def __init__(self, worker: TaskWorker) -> None:
        self._worker = worker
        self.cancel_event = threading.Event()
        self.control = TrainingControl()  # for tasks that train: Cancel stops the run at its next batch

    def progress(self, done: int, total: int, text: str = "") -> None:
        self._worker.progress.emit(done, total, text)

    def item(self, value: Any) -> None:
        self._worker.item.emit(value)

    def cancelled(self) -> bool:
        return self.cancel_event.is_set()


class TaskWorker(QObject):
    progress = Signal(int, int, str)
    item = Signal(object)
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, fn: Callable[[TaskContext], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.context = TaskContext(self)
        self.threads = torch.get_num_threads()

    @Slot()
    def run(self) -> None:
        torch.set_num_threads(self.threads)
        try:
            with torch.enable_grad():
                result = self.fn(self.context)
        except NNStudioError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # noqa: BLE001 - report, never let a worker exception kill the app
            log.exception("background task failed")
            self.failed.emit(f"Something unexpected went wrong: {type(exc).__name__}: {exc}")
        else:
            self.done.emit(result)
        QThread.currentThread().quit()


class BackgroundTask(QObject):
    """One task at a time. Lives in the GUI thread and re-emits the worker's signals here."""

    progress = Signal(int, int, str)
    item = Signal(object)
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread: QThread | None = None
        self._worker: TaskWorker | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, fn: Callable[[TaskContext], Any]) -> None:
        if self.running:
            raise RuntimeError("a task is already running")
        worker = TaskWorker(fn)
        thread = QThread(self)
        thread.setObjectName("nnstudio-runs-task")
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progress.connect(self._on_progress)
        worker.item.connect(self._on_item)
        worker.done.connect(self._on_done)
        worker.failed.connect(self._on_failed)
        self._thread, self._worker = thread, worker
        thread.start()

    def cancel(self) -> None:
        if self._worker is not None:
            self._worker.context.cancel_event.set()
            self._worker.context.control.request_stop()

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, text: str) -> None:
        self.progress.emit(done, total, text)

    @Slot(object)
    def _on_item(self, value: Any) -> None:
        self.item.emit(value)

    @Slot(object)
    def _on_done(self, result: Any) -> None:
        self._join()
        self.done.emit(result)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._join()
        self.failed.emit(message)

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread.deleteLater()
            self._thread = self._worker = None

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        if self._thread is None:
            return True
        self.cancel()
        if not self._thread.wait(timeout_ms):
            return False
        self._join()
        return True
