"""Training off the GUI thread: a QObject worker moved to a QThread, bridged by a callback.

The bridge callback runs in the worker thread and emits plain Python data only (floats, dicts, numpy
copies), never live tensors; per-batch signals are throttled, per-epoch ones always go. Stop and pause go
through :class:`TrainingControl` because the worker's event loop is busy inside ``fit``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import torch
from PySide6.QtCore import QObject, QThread, Signal, Slot

from nnstudio.core.errors import NNStudioError
from nnstudio.core.session import snapshot_weights
from nnstudio.core.training.callbacks import Callback, Throttle
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import RunResult, Trainer, TrainingState

log = logging.getLogger("nnstudio")


@dataclass
class RunOutcome:
    """What a finished run hands back to the GUI thread."""

    result: RunResult | None
    weights: dict[str, torch.Tensor] | None = None
    error: str = ""
    history: dict[str, list[float]] = field(default_factory=dict)


class BridgeCallback(QObject, Callback):
    """Lives in the worker thread; its signals cross to the GUI thread as queued connections."""

    batch_end = Signal(dict)
    epoch_end = Signal(dict)

    def __init__(self, interval: float = 0.05) -> None:
        super().__init__()
        self._throttle = Throttle(interval)

    def on_batch_end(self, state: TrainingState, loss: float) -> None:
        last = state.batch == state.batches_per_epoch
        if last or self._throttle.ready():
            self.batch_end.emit(
                {
                    "epoch": state.epoch,
                    "batch": state.batch,
                    "batches": state.batches_per_epoch,
                    "target_epochs": state.target_epochs,
                    "loss": loss,
                    "samples_seen": state.samples_seen,
                }
            )

    def on_epoch_end(self, state: TrainingState, metrics: dict[str, float]) -> None:
        self.epoch_end.emit({k: float(v) for k, v in metrics.items()})


class TrainingWorker(QObject):
    finished = Signal(object)  # RunOutcome

    def __init__(self, trainer: Trainer, epochs: int, control: TrainingControl, callbacks: list[Callback]) -> None:
        super().__init__()
        self.trainer = trainer
        self.epochs = epochs
        self.control = control
        self.callbacks = callbacks

    @Slot()
    def run(self) -> None:
        # Thread count and grad mode are per thread: set them here, not in the GUI thread.
        torch.set_num_threads(max(1, torch.get_num_threads()))
        outcome: RunOutcome
        try:
            with torch.enable_grad():
                result = self.trainer.fit(self.epochs, self.callbacks, self.control)
            outcome = RunOutcome(result, snapshot_weights(self.trainer.model), history={k: list(v) for k, v in result.history.items()})
        except NNStudioError as exc:
            outcome = RunOutcome(None, error=str(exc))
        except Exception as exc:  # noqa: BLE001 - report, never let a worker exception kill the app
            log.exception("training failed")
            outcome = RunOutcome(None, error=f"Training failed unexpectedly: {type(exc).__name__}: {exc}")
        self.finished.emit(outcome)


class TrainingRunner(QObject):
    """Owns the thread of the current run. Lives in the GUI thread; receives the worker's signals in
    methods (not lambdas) so they run here, never in the worker thread."""

    started = Signal()
    batch_progress = Signal(dict)
    epoch_finished = Signal(dict)
    finished = Signal(object)  # RunOutcome

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.control = TrainingControl()
        self.trainer: Trainer | None = None
        self._thread: QThread | None = None
        self._worker: TrainingWorker | None = None
        self._bridge: BridgeCallback | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, trainer: Trainer, epochs: int, extra_callbacks: list[Callback] | None = None) -> None:
        if self.running:
            raise RuntimeError("a run is already in progress")
        self.trainer = trainer
        self.control = TrainingControl()
        bridge = BridgeCallback()
        bridge.batch_end.connect(self._on_batch)
        bridge.epoch_end.connect(self._on_epoch)
        worker = TrainingWorker(trainer, epochs, self.control, [bridge, *(extra_callbacks or [])])
        thread = QThread(self)
        thread.setObjectName("nnstudio-training")
        worker.moveToThread(thread)
        bridge.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.finished.connect(self._on_finished)
        self._thread, self._worker, self._bridge = thread, worker, bridge
        thread.start()
        self.started.emit()

    @Slot(dict)
    def _on_batch(self, info: dict[str, Any]) -> None:
        self.batch_progress.emit(info)

    @Slot(dict)
    def _on_epoch(self, metrics: dict[str, float]) -> None:
        self.epoch_finished.emit(metrics)

    @Slot(object)
    def _on_finished(self, outcome: RunOutcome) -> None:
        self._join()
        self.finished.emit(outcome)

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread.deleteLater()
            self._worker = self._bridge = self._thread = None

    def stop(self) -> None:
        self.control.request_stop()

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Stop the run and join its thread (closing the window). True when no thread is left."""
        if self._thread is None:
            return True
        self.control.request_stop()
        if not self._thread.wait(timeout_ms):
            return False
        # The worker's finished signal is still queued for this thread; deliver the outcome now.
        self._join()
        return True

