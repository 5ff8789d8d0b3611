"""Callbacks: everything the loop does besides learning (output, history, stopping) hooks in here."""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass
from typing import Any

from nnstudio.core.training.state import RunResult, TrainingState


class Callback:
    """Override what you need. Set ``state.stop_reason`` to ask the loop to stop after this call.

    ``on_batch_end`` runs in the hot loop and is only called on callbacks that override it: keep it cheap
    (no tensor copies, no syncs) and do heavier work every N batches or at epoch end.
    """

    def on_fit_start(self, state: TrainingState) -> None: ...

    def on_epoch_start(self, state: TrainingState) -> None: ...

    def on_batch_end(self, state: TrainingState, loss: float) -> None: ...

    def on_epoch_end(self, state: TrainingState, metrics: dict[str, float]) -> None: ...

    def on_fit_end(self, state: TrainingState, result: RunResult) -> None: ...


def higher_is_better(monitor: str) -> bool:
    return monitor.endswith("accuracy")


def best_epoch(history: dict[str, list[float]], monitor: str = "val_loss") -> int:
    """The epoch (1-based) with the best monitored validation value; 0 when there is none."""
    values = history.get(monitor) or []
    sign = -1.0 if higher_is_better(monitor) else 1.0
    best, best_at = math.inf, 0
    for i, value in enumerate(values, start=1):
        if math.isfinite(value) and sign * value < best:
            best, best_at = sign * value, i
    return best_at


class EarlyStopping(Callback):
    """Stop when the monitored value has not improved for ``patience`` epochs; optionally put back the
    best epoch's weights. Lives as long as its run, so Continue keeps the best seen so far."""

    def __init__(self, monitor: str = "val_loss", patience: int = 5, min_delta: float = 0.0, restore_best: bool = True) -> None:
        self.monitor = monitor
        self.patience = patience
        self.min_delta = min_delta
        self.restore_best = restore_best
        self.best = math.nan
        self.best_epoch = 0
        self.best_weights: dict[str, Any] | None = None
        self.waited = 0
        self.triggered = False

    def on_fit_start(self, state: TrainingState) -> None:
        self.waited = 0  # Continue after an early stop gets a fresh patience
        self.triggered = False

    def _improved(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if math.isnan(self.best):
            return True
        if higher_is_better(self.monitor):
            return value > self.best + self.min_delta
        return value < self.best - self.min_delta

    def on_epoch_end(self, state: TrainingState, metrics: dict[str, float]) -> None:
        value = float(metrics.get(self.monitor, math.nan))
        if self._improved(value):
            self.best, self.best_epoch, self.waited = value, state.epoch, 0
            if self.restore_best:
                self.best_weights = copy.deepcopy(state.model.state_dict())
            return
        self.waited += 1
        if self.waited >= self.patience:
            self.triggered = True
            state.stop_reason = (
                f"Early stopping: {self.monitor.replace('_', ' ')} has not improved for {self.patience} epochs "
                f"(best {self.best:.4f} in epoch {self.best_epoch})"
            )

    def on_fit_end(self, state: TrainingState, result: RunResult) -> None:
        if not self.triggered or result.status != "stopped":
            return
        result.status = "early_stopped"
        result.best_epoch = self.best_epoch
        if self.restore_best and self.best_weights is not None:
            state.model.load_state_dict(self.best_weights)
            result.message += f"; the weights of epoch {self.best_epoch} were restored"


@dataclass
class Throttle:
    """True at most once per ``interval`` seconds; keeps per-batch signals from flooding a GUI."""

    interval: float = 0.05
    _last: float = 0.0

    def ready(self) -> bool:
        now = time.perf_counter()
        if now - self._last >= self.interval:
            self._last = now
            return True
        return False


def as_plain(value: Any) -> Any:
    """Floats and lists only, so nothing handed to another thread references live tensors."""
    if isinstance(value, dict):
        return {k: as_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [as_plain(v) for v in value]
    return float(value) if hasattr(value, "__float__") and not isinstance(value, bool | int) else value
