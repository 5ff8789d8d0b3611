"""Callbacks: everything the loop does besides learning (output, history, stopping) hooks in here."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from nnstudio.core.training.engine import RunResult, TrainingState


class Callback:
    """Override what you need. Set ``state.stop_reason`` to ask the loop to stop after this call."""

    def on_fit_start(self, state: TrainingState) -> None: ...

    def on_epoch_start(self, state: TrainingState) -> None: ...

    def on_batch_end(self, state: TrainingState, loss: float) -> None: ...

    def on_epoch_end(self, state: TrainingState, metrics: dict[str, float]) -> None: ...

    def on_fit_end(self, state: TrainingState, result: RunResult) -> None: ...


@dataclass
class ConsoleProgress(Callback):
    """One line per epoch, for the CLI."""

    stream: TextIO = field(default_factory=lambda: sys.stderr)

    def on_epoch_end(self, state: TrainingState, metrics: dict[str, float]) -> None:
        shown = "  ".join(f"{k} {v:.4f}" for k, v in metrics.items() if k != "epoch")
        print(f"epoch {state.epoch:>3}/{state.target_epochs}  {shown}", file=self.stream, flush=True)


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
