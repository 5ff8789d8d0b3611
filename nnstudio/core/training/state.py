"""What a run is and what it leaves: the state callbacks see while it runs, and its result.

Kept apart from the loop (engine.py) so callbacks can name these types without importing the loop.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from nnstudio.core.data.bundle import DataBundle
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.control import TrainingControl

COMPLETED, STOPPED, DIVERGED, EARLY_STOPPED = "completed", "stopped", "diverged", "early_stopped"


@dataclass
class RunResult:
    history: dict[str, list[float]]
    epochs: int
    seconds: float
    status: str = COMPLETED
    message: str = ""
    best_epoch: int = 0  # by the monitored validation value; 0 when no epoch finished
    task: str = ""  # the data's task (classification or regression), known even when no epoch finished
    warning: str = ""  # a finished run no better than guessing says so (core/training/verdict.py)

    def last(self, key: str) -> float:
        values = self.history.get(key) or [math.nan]
        return values[-1]


@dataclass
class TrainingState:
    """What callbacks can see (and, for ``stop_reason`` and the optimizer's settings, change)."""

    model: nn.Module
    optimizer: torch.optim.Optimizer
    spec: TrainSpec
    bundle: DataBundle
    device: torch.device
    epoch: int = 0  # epochs completed so far in this run (1-based while an epoch runs)
    batch: int = 0  # batches done in the current epoch
    batches_per_epoch: int = 0
    target_epochs: int = 0
    samples_seen: int = 0
    history: dict[str, list[float]] = field(default_factory=dict)
    stop_reason: str = ""
    trainer: Any = None  # the Trainer, for callbacks that need more (live statistics, checkpoints)
    control: TrainingControl | None = None  # the run's controls (its speed delay, for the live views' budget)

    @property
    def batch_delay(self) -> float:
        """Seconds the speed control sleeps after each batch (0 at full speed)."""
        return self.control.batch_delay if self.control is not None else 0.0

    def cost_beyond_delay(self, seconds: float) -> float:
        """The part of ``seconds`` of watching work that the speed control's sleep after each batch does not
        cover: a run slowed down to be watched has that time to spare, so only the rest slows it."""
        return max(0.0, seconds - self.batch_delay)
