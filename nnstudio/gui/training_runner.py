"""Training off the GUI thread (a :class:`~nnstudio.gui.threads.ThreadRunner`), bridged by a callback.

The bridge callback runs in the worker thread and emits plain Python data only (floats, dicts, numpy
copies), never live tensors; per-batch signals are throttled, per-epoch ones always go. Stop and pause go
through :class:`TrainingControl` because the worker's event loop is busy inside ``fit``.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import torch
from PySide6.QtCore import QObject, Signal, Slot

from nnstudio.core.base.jobs import JobToken
from nnstudio.core.training.callbacks import Callback, Throttle
from nnstudio.core.training.control import TrainingControl
from nnstudio.core.training.engine import RunResult, Trainer, TrainingState
from nnstudio.core.workspace.gan_session import GanSession
from nnstudio.core.workspace.run_session import RunSession
from nnstudio.gui.threads import Report, ThreadRunner

# While a run goes, the GUI thread (painting, in Python) and the training thread (dispatching ops, in
# Python) take turns on the GIL. With the default 5 ms switch interval each side can wait up to 5 ms for
# every hand-over, which stalls both; a shorter interval during runs keeps both moving.
RUN_SWITCH_INTERVAL = 0.0005


@dataclass
class RunOutcome:
    """What a finished run hands back to the GUI thread (the result of the runner's completion); the Training
    tab passes it on in ``run_finished``, with ``error`` set when the run failed."""

    result: RunResult | None
    weights: dict[str, torch.Tensor] | None = None
    error: str = ""
    history: dict[str, list[float]] = field(default_factory=dict)


class BridgeCallback(QObject, Callback):
    """Lives in the worker thread; its signals cross to the GUI thread as queued connections.

    Every batch loss is kept (a float append), but they travel in throttled chunks: at most one signal
    per ``interval``, plus one at each epoch's end and whenever the loop is about to pause (Step).
    """

    batch_end = Signal(dict)
    epoch_end = Signal(dict)

    def __init__(self, control: TrainingControl | None = None, interval: float = 0.2) -> None:
        super().__init__()
        self._throttle = Throttle(interval)
        self._control = control
        self._losses: list[float] = []
        self._first_batch = 0  # global index (from the run's start) of the first loss in _losses
        self._state: TrainingState | None = None
        if control is not None:
            control.on_park = self.flush

    def on_fit_start(self, state: TrainingState) -> None:
        self._losses = []
        self._first_batch = state.epoch * state.batches_per_epoch

    def on_batch_end(self, state: TrainingState, loss: float) -> None:
        self._losses.append(loss)
        self._state = state
        control = self._control
        if state.batch == state.batches_per_epoch or (control is not None and control.paused) or self._throttle.ready():
            self._send(state)

    def on_fit_end(self, state: TrainingState, result: RunResult) -> None:
        self.flush()  # a run stopped mid-epoch still shows its last batches

    def flush(self) -> None:
        """Send the batches not sent yet (the loop is about to pause)."""
        if self._losses and self._state is not None:
            self._send(self._state)

    def _send(self, state: TrainingState) -> None:
        losses, self._losses = self._losses, []
        first, self._first_batch = self._first_batch, self._first_batch + len(losses)
        self.batch_end.emit(
            {
                "epoch": state.epoch,
                "batch": state.batch,
                "batches": state.batches_per_epoch,
                "target_epochs": state.target_epochs,
                "loss": losses[-1],
                "losses": losses,
                "first_batch": first,
                "samples_seen": state.samples_seen,
                "time": time.perf_counter(),
            }
        )

    def on_epoch_end(self, state: TrainingState, metrics: dict[str, float]) -> None:
        self.epoch_end.emit({k: float(v) for k, v in metrics.items()})


def _train(session: RunSession, control: TrainingControl, callbacks: list[Callback], token: JobToken, report: Report) -> RunOutcome:
    """The job, in the training thread (grad mode is per thread: set it here, not in the GUI thread)."""
    with torch.enable_grad():
        result = session.fit(callbacks, control)
    return RunOutcome(result, session.weights(), history=session.history())


# How often a GAN run sends what its view draws (the plane), like the curves' refresh rate.
GAN_VIEW_INTERVAL = 0.2


def _train_gan(session: GanSession, target: int, control: TrainingControl, snapshot: Callable[[], Any] | None,
               token: JobToken, report: Report) -> RunOutcome:
    """A GAN's run, in the training thread: each epoch's figures go out, and at most every GAN_VIEW_INTERVAL
    (always at the last epoch and when pausing) what its view draws, computed here where the networks train."""
    throttle = Throttle(GAN_VIEW_INTERVAL)

    def view() -> Any:
        return snapshot() if snapshot is not None else None

    def on_epoch(metrics: dict[str, float]) -> None:
        last = metrics["epoch"] >= target or control.paused or control.stop_requested
        report(metrics, view() if last or throttle.ready() else None)

    control.on_park = lambda: report(None, view())  # the pause took effect: the view shows where it stopped

    with torch.enable_grad():
        result = session.train_to(target, control, on_epoch)
    return RunOutcome(result, session.trainer.weights(), history=session.history())


class TrainingRunner(ThreadRunner):
    """Owns the thread of the current run. Lives in the GUI thread; receives the worker's signals in
    methods (not lambdas) so they run here, never in the worker thread. ``completed`` carries a RunOutcome as
    its result; Stop and Cancel both cancel the control's token (the run stops at its next batch and returns)."""

    started = Signal()
    batch_progress = Signal(dict)
    epoch_finished = Signal(dict)
    gan_view = Signal(object)  # after a GAN run's epoch_finished: what its view draws now, or None (throttled)
    gan_parked = Signal(object)  # a GAN run's pause took effect (between two epochs): what its view draws

    what = "Training"
    thread_name = "nnstudio-training"
    holds_back_idle_work = False  # a run lasts long: the remaining tabs are built in its gaps, as before

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.control = TrainingControl()
        self.trainer: Trainer | None = None
        self.batch_delay = 0.0
        self._bridge: BridgeCallback | None = None
        self._switch_interval = sys.getswitchinterval()

    @property
    def paused(self) -> bool:
        return self.running and self.control.paused

    def start(self, session: RunSession, extra_callbacks: list[Callback] | None = None) -> None:
        """Train ``session`` up to its planned epoch count in the training thread."""
        if self.running:
            raise RuntimeError("a run is already in progress")
        # Collect garbage here, in the GUI thread, so dead Qt wrappers are finalized by the thread that owns
        # them rather than by a collection that happens to start in the training thread.
        gc.collect()
        self.trainer = session.trainer
        self.control = TrainingControl()
        self.control.batch_delay = self.batch_delay
        bridge = BridgeCallback(self.control)
        bridge.batch_end.connect(self._on_batch)
        bridge.epoch_end.connect(self._on_epoch)
        self._bridge = bridge
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, RUN_SWITCH_INTERVAL))
        self.start_job(partial(_train, session, self.control, [bridge, *(extra_callbacks or [])]), companions=[bridge],
                       token=self.control.token)
        self.started.emit()

    def start_gan(self, session: GanSession, target: int, snapshot: Callable[[], Any] | None = None) -> None:
        """Train a GAN session up to ``target`` epochs in the training thread (Stop, Pause and Step by epochs,
        the speed's delay per epoch); ``snapshot()`` is called there for the view after some epochs."""
        if self.running:
            raise RuntimeError("a run is already in progress")
        gc.collect()  # as in start: dead Qt wrappers finalized here, in their own thread
        self.trainer = None
        self.control = TrainingControl()
        self.control.batch_delay = self.batch_delay
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, RUN_SWITCH_INTERVAL))
        self.start_job(partial(_train_gan, session, target, self.control, snapshot), token=self.control.token)
        self.started.emit()

    # ------------------------------------------------------------------ controls (GUI thread)
    def pause(self) -> None:
        self.control.pause()

    def resume(self) -> None:
        self.control.resume()

    def step(self) -> None:
        self.control.step(1)

    def stop(self) -> None:
        self.control.request_stop()

    def set_batch_delay(self, seconds: float) -> None:
        self.batch_delay = seconds
        self.control.batch_delay = seconds

    def apply(self, change: Callable[[], None]) -> None:
        """Run ``change`` (e.g. ``trainer.set_lr``) where it is safe: in the training thread between two
        batches while a run is going, or right here when none is."""
        if self.running:
            self.control.call_between_batches(change)
        else:
            change()

    # ------------------------------------------------------------------ worker signals
    @Slot(dict)
    def _on_batch(self, info: dict[str, Any]) -> None:
        self.batch_progress.emit(info)

    @Slot(dict)
    def _on_epoch(self, metrics: dict[str, float]) -> None:
        self.epoch_finished.emit(metrics)

    def _on_progress(self, values: tuple[Any, ...]) -> None:
        metrics, view = values  # a GAN run's epoch, or its pause (the one-network run reports through its bridge)
        if metrics is None:
            self.gan_parked.emit(view)
            return
        self.epoch_finished.emit(metrics)
        self.gan_view.emit(view)

    def _joined(self) -> None:
        self._bridge = None
        sys.setswitchinterval(self._switch_interval)
