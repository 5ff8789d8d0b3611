"""Evaluation off the GUI thread: big splits take seconds to predict. Same pattern as training: a QObject
worker moved to a QThread, its signals received by methods of a QObject living in the GUI thread."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal, Slot
from torch import nn

from nnstudio.core.data.bundle import DataBundle
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.errors import NNStudioError
from nnstudio.core.evaluate.predict import EvaluationCancelled
from nnstudio.core.evaluate.report import EvaluationReport, evaluate
from nnstudio.core.evaluate.tryit import RawView, raw_view

log = logging.getLogger("nnstudio")


@dataclass
class EvaluationOutcome:
    report: EvaluationReport | None
    raw: RawView | None = None
    error: str = ""
    cancelled: bool = False


class EvaluationWorker(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)  # EvaluationOutcome

    def __init__(self, model: nn.Module, bundle: DataBundle, spec: DataSpec, base_dir: Path | None, cancel: threading.Event) -> None:
        super().__init__()
        self.model, self.bundle, self.spec, self.base_dir, self.cancel = model, bundle, spec, base_dir, cancel

    @Slot()
    def run(self) -> None:
        try:
            report = evaluate(self.model, self.bundle, cancel=self.cancel, progress=self.progress.emit)
            outcome = EvaluationOutcome(report, raw_view(self.spec, self.bundle, self.base_dir))
        except EvaluationCancelled as exc:
            outcome = EvaluationOutcome(None, error=str(exc), cancelled=True)
        except NNStudioError as exc:
            outcome = EvaluationOutcome(None, error=str(exc))
        except Exception as exc:  # noqa: BLE001 - report, never let a worker exception kill the app
            log.exception("evaluation failed")
            outcome = EvaluationOutcome(None, error=f"The evaluation failed unexpectedly: {type(exc).__name__}: {exc}")
        self.finished.emit(outcome)
        # End the thread's event loop from inside: a GUI thread blocked in wait() (closing) cannot deliver quit.
        QThread.currentThread().quit()


class EvaluationRunner(QObject):
    progress = Signal(int, int, str)
    finished = Signal(object)  # EvaluationOutcome

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.cancel_event = threading.Event()
        self._thread: QThread | None = None
        self._worker: EvaluationWorker | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, model: nn.Module, bundle: DataBundle, spec: DataSpec, base_dir: Path | None) -> None:
        if self.running:
            raise RuntimeError("an evaluation is already running")
        self.cancel_event = threading.Event()
        worker = EvaluationWorker(model, bundle, spec, base_dir, self.cancel_event)
        thread = QThread(self)
        thread.setObjectName("nnstudio-evaluation")
        worker.moveToThread(thread)
        worker.progress.connect(self._on_progress)
        worker.finished.connect(self._on_finished)
        thread.started.connect(worker.run)
        self._thread, self._worker = thread, worker
        thread.start()

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, split: str) -> None:
        self.progress.emit(done, total, split)

    @Slot(object)
    def _on_finished(self, outcome: EvaluationOutcome) -> None:
        self._join()
        self.finished.emit(outcome)

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread.deleteLater()
            self._thread = self._worker = None

    def cancel(self) -> None:
        self.cancel_event.set()

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel and join (the window is closing). True when no thread is left."""
        if self._thread is None:
            return True
        self.cancel_event.set()
        self._thread.quit()
        if not self._thread.wait(timeout_ms):
            return False
        self._join()
        return True
