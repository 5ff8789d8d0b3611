"""Learning-rate schedules: how the learning rate changes from epoch to epoch during a run.

Each entry builds a :class:`LrSchedule` stepped once at the end of every epoch (so per-batch cost is
zero). A learning rate typed in while paused becomes the schedule's new starting point.
"""

from __future__ import annotations

from typing import Any

import torch

from nnstudio.core.base.registry import Param, Registry
from nnstudio.core.training.limits import LR_MAX

SCHEDULES: Registry[Any] = Registry("learning-rate schedule")


class LrSchedule:
    """Wraps a torch scheduler; ``step`` gets the epoch's metrics (plateau needs the monitored value)."""

    def __init__(self, scheduler: Any = None, monitor: str = "val_loss") -> None:
        self.scheduler = scheduler
        self.monitor = monitor

    def step(self, metrics: dict[str, float]) -> None:
        if self.scheduler is None:
            return
        if isinstance(self.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            value = metrics.get(self.monitor, metrics.get("val_loss", float("nan")))
            if value == value:  # NaN (no validation split) leaves the rate alone
                self.scheduler.step(value)
        else:
            self.scheduler.step()

    def restart_from(self, lr: float) -> None:
        """The user set a new rate mid-run: later steps scale from it rather than from the old one."""
        if self.scheduler is not None and hasattr(self.scheduler, "base_lrs"):
            self.scheduler.base_lrs = [lr for _ in self.scheduler.base_lrs]


@SCHEDULES.register(
    "none", title="Constant", category="Schedules",
    help="The learning rate stays as set for the whole run (you can still change it while paused).",
)
def constant(optimizer: torch.optim.Optimizer, p: dict[str, Any], epochs: int, monitor: str) -> LrSchedule:
    return LrSchedule()


@SCHEDULES.register(
    "step", title="Step decay", category="Schedules",
    params=(
        Param("step_size", int, 10, "Epochs between two reductions.", 1, 100_000, label="Every (epochs)"),
        Param("gamma", float, 0.1, "Factor the learning rate is multiplied by at each reduction.", 0.001, 1.0,
              label="Factor"),
    ),
    help="""
Multiplies the learning rate by a factor every few epochs: big steps early to get near a good solution,
small steps later to settle into it. Simple and predictable; you must guess when to reduce.""",
)
def step_decay(optimizer: torch.optim.Optimizer, p: dict[str, Any], epochs: int, monitor: str) -> LrSchedule:
    return LrSchedule(torch.optim.lr_scheduler.StepLR(optimizer, p["step_size"], p["gamma"]))


@SCHEDULES.register(
    "cosine", title="Cosine annealing", category="Schedules",
    params=(
        Param("period", int, 0, "Epochs from the full rate down to the minimum; 0 = the run's number of epochs.",
              0, 100_000, label="Length (epochs)"),
        Param("min_lr", float, 0.0, "The rate at the end of the curve.", 0.0, LR_MAX, label="Minimum rate"),
    ),
    help="""
Lowers the learning rate smoothly along half a cosine wave, from the set rate to the minimum at the end of
the run. No decision about when to reduce; a popular default for longer runs.""",
)
def cosine(optimizer: torch.optim.Optimizer, p: dict[str, Any], epochs: int, monitor: str) -> LrSchedule:
    period = p["period"] or max(1, epochs)
    return LrSchedule(torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, period, p["min_lr"]))


@SCHEDULES.register(
    "plateau", title="Reduce on plateau", category="Schedules",
    params=(
        Param("factor", float, 0.5, "Factor the learning rate is multiplied by when progress stalls.", 0.001, 0.999,
              label="Factor"),
        Param("patience", int, 3, "Epochs without improvement of the monitored value before reducing.", 0, 10_000,
              label="Patience"),
        Param("min_lr", float, 0.0, "Never go below this rate.", 0.0, LR_MAX, label="Minimum rate"),
    ),
    help="""
Watches the monitored validation value (see Early stopping's Monitor) and lowers the learning rate when it
stops improving. Adapts to the run instead of a fixed timetable; reacts only after a few wasted epochs.""",
)
def plateau(optimizer: torch.optim.Optimizer, p: dict[str, Any], epochs: int, monitor: str) -> LrSchedule:
    mode = "max" if monitor == "val_accuracy" else "min"
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(
        optimizer, mode=mode, factor=p["factor"], patience=p["patience"], min_lr=p["min_lr"]
    )
    return LrSchedule(sched, monitor)


def make_schedule(name: str, optimizer: torch.optim.Optimizer, p: dict[str, Any], epochs: int, monitor: str) -> LrSchedule:
    return SCHEDULES.get(name).obj(optimizer, p, epochs, monitor)
