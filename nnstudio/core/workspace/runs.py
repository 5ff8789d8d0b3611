"""Every training run, kept: frozen settings, curves, final metrics, final and best weights, and (for
models small enough) one weight snapshot per epoch under a memory cap, to scrub back through a run.

:class:`RunRecorder` is a training callback (it runs in the training thread and copies weights to the
CPU at epoch ends only); :class:`RunStore` holds the finished :class:`Run` objects and mirrors them into
``project.runs`` (``RunRecord``) so they are saved with the project.
"""

from __future__ import annotations

import copy
import csv
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nnstudio.core.arch.spec import ArchitectureSpec
from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.project.spec import MAX_RUNS, Project, RunRecord
from nnstudio.core.training.callbacks import Callback, best_epoch, higher_is_better
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.engine import RunResult, TrainingState

Tensors = dict[str, torch.Tensor]
DEFAULT_SNAPSHOT_CAP_MB = 200


class RunsError(NNStudioError):
    """A run cannot be restored, exported or compared as asked."""


def weights_bytes(weights: Tensors) -> int:
    return sum(t.numel() * t.element_size() for t in weights.values())


def model_bytes(model: nn.Module) -> int:
    return sum(t.numel() * t.element_size() for t in model.state_dict().values())


@dataclass
class Run:
    """One run. ``snapshots[e]`` are the weights at the end of epoch ``e`` (0 = before training)."""

    id: int
    name: str
    training: TrainSpec
    architecture: ArchitectureSpec | None = None
    history: dict[str, list[float]] = field(default_factory=dict)
    status: str = "completed"
    message: str = ""
    seconds: float = 0.0
    created: str = ""
    weights: Tensors | None = None
    best_weights: Tensors | None = None
    best_epoch: int = 0
    snapshots: dict[int, Tensors] = field(default_factory=dict)
    snapshots_skipped: int = 0  # epochs not kept because the memory cap was reached
    origin: str = "training"  # or "sweep"

    @property
    def epochs(self) -> int:
        return len(self.history.get("epoch", []))

    @property
    def monitor(self) -> str:
        return self.training.monitor if self.training.monitor in self.history else "val_loss"

    def final_metrics(self) -> dict[str, float]:
        return {k: v[-1] for k, v in self.history.items() if v and k not in ("epoch", "seconds")}

    def best_value(self) -> float:
        """The monitored validation value at the best epoch (NaN when there is none)."""
        values = self.history.get(self.monitor) or []
        return values[self.best_epoch - 1] if 0 < self.best_epoch <= len(values) else math.nan

    def hidden_widths(self) -> list[int]:
        if self.architecture is None:
            return []
        linears = [s for s in self.architecture.layers if s.kind == "linear"]
        return [int(s.params.get("out_features", 0)) for s in linears[:-1]]

    def snapshot_bytes(self) -> int:
        return sum(weights_bytes(w) for w in self.snapshots.values())

    def weights_at(self, epoch: int) -> Tensors:
        if epoch in self.snapshots:
            return self.snapshots[epoch]
        if epoch == self.epochs and self.weights is not None:
            return self.weights
        raise RunsError(f"{self.name} kept no weights for epoch {epoch}; raise the snapshot memory cap and train again")

    def metrics_at(self, epoch: int) -> dict[str, float]:
        if not 1 <= epoch <= self.epochs:
            return {}
        return {k: v[epoch - 1] for k, v in self.history.items() if len(v) >= epoch and k != "epoch"}

    def to_record(self) -> RunRecord:
        return RunRecord(
            id=self.id, name=self.name, created=self.created, status=self.status, epochs=self.epochs,
            seconds=self.seconds, training=self.training.copy(),
            history={k: list(v) for k, v in self.history.items()}, metrics=self.final_metrics(),
            weights=self.weights, snapshots=dict(self.snapshots),
        )

    @classmethod
    def from_record(cls, record: RunRecord, architecture: ArchitectureSpec | None = None) -> Run:
        run = cls(record.id, record.name, record.training.copy(), architecture, dict(record.history), record.status,
                  seconds=record.seconds, created=record.created, weights=record.weights,
                  snapshots=dict(record.snapshots))
        run.best_epoch = best_epoch(run.history, run.monitor)
        return run


class RunRecorder(Callback):
    """Keeps per-epoch weight snapshots (while they fit in ``cap_bytes``) and the best epoch's weights.

    ``run`` is filled as the run goes; read it in another thread only after the training thread ended.
    """

    def __init__(self, run: Run, cap_bytes: int = DEFAULT_SNAPSHOT_CAP_MB * 2**20, snapshots: bool = True) -> None:
        self.run = run
        self.cap_bytes = cap_bytes
        self.keep_snapshots = snapshots
        self._best = math.nan

    def _keep(self, state: TrainingState, epoch: int) -> None:
        if not self.keep_snapshots:
            return
        if self.run.snapshot_bytes() + model_bytes(state.model) > self.cap_bytes:
            self.run.snapshots_skipped += 1
            return
        self.run.snapshots[epoch] = snapshot_weights(state.model)

    def on_fit_start(self, state: TrainingState) -> None:
        if state.epoch == 0 and 0 not in self.run.snapshots:
            self._keep(state, 0)  # the starting point: scrubbing can show the untrained network

    def on_epoch_end(self, state: TrainingState, metrics: dict[str, float]) -> None:
        self._keep(state, state.epoch)
        monitor = state.spec.monitor if state.spec.monitor in metrics else "val_loss"
        value = float(metrics.get(monitor, math.nan))
        if not math.isfinite(value):
            if self.run.best_weights is None:
                self.run.best_weights = self.run.snapshots.get(state.epoch) or snapshot_weights(state.model)
                self.run.best_epoch = state.epoch
            return
        better = math.isnan(self._best) or (value > self._best if higher_is_better(monitor) else value < self._best)
        if better:
            self._best = value
            self.run.best_epoch = state.epoch
            self.run.best_weights = self.run.snapshots.get(state.epoch) or snapshot_weights(state.model)

    def on_fit_end(self, state: TrainingState, result: RunResult) -> None:
        self.run.history = {k: list(v) for k, v in result.history.items()}
        self.run.status = result.status
        self.run.message = result.message
        self.run.seconds = result.seconds
        self.run.weights = snapshot_weights(state.model)
        if self.run.best_weights is None:
            self.run.best_weights, self.run.best_epoch = self.run.weights, self.run.epochs


class RunStore:
    """The runs of one project, in order; mirrored into ``project.runs`` for saving."""

    def __init__(self) -> None:
        self.runs: list[Run] = []
        self.project: Project | None = None

    def next_id(self) -> int:
        return max((r.id for r in self.runs), default=0) + 1

    def new_run(self, spec: TrainSpec, architecture: ArchitectureSpec | None, name: str = "", origin: str = "training") -> Run:
        run_id = self.next_id()
        return Run(run_id, name or f"Run {run_id}", spec.copy(), copy.deepcopy(architecture),
                   created=time.strftime("%Y-%m-%d %H:%M:%S"), origin=origin)

    def add(self, run: Run) -> None:
        """Keep ``run`` (again, if it is already here: a continued run updates its row)."""
        if run not in self.runs:
            self.runs.append(run)
            while len(self.runs) > MAX_RUNS:
                self.runs.pop(0)
        self._mirror()

    def remove(self, run: Run) -> None:
        self.runs.remove(run)
        self._mirror()

    def get(self, run_id: int) -> Run:
        for run in self.runs:
            if run.id == run_id:
                return run
        raise RunsError(f"There is no run {run_id}")

    def attach(self, project: Project, architecture: ArchitectureSpec | None = None) -> None:
        """Adopt a (newly opened) project's saved runs."""
        self.project = project
        self.runs = [Run.from_record(r, copy.deepcopy(architecture)) for r in project.runs]

    def _mirror(self) -> None:
        if self.project is not None:
            self.project.runs = [r.to_record() for r in self.runs]

    def snapshot_bytes(self) -> int:
        return sum(r.snapshot_bytes() for r in self.runs)

    def best(self, runs: list[Run] | None = None) -> Run | None:
        """The run with the best monitored validation value (lowest loss/RMSE, highest accuracy)."""
        candidates = [r for r in (runs if runs is not None else self.runs) if math.isfinite(r.best_value())]
        if not candidates:
            return None
        monitor = candidates[0].monitor
        key = (lambda r: -r.best_value()) if higher_is_better(monitor) else (lambda r: r.best_value())
        return min(candidates, key=key)


def export_history_csv(run: Run, path: str | Path) -> Path:
    """One row per epoch, one column per recorded value (epoch first)."""
    path = Path(path)
    if not run.history.get("epoch"):
        raise RunsError(f"{run.name} has no finished epoch to export; train at least one epoch")
    keys = ["epoch", *[k for k in run.history if k != "epoch"]]
    try:
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(keys)
            for i in range(run.epochs):
                row: list[Any] = []
                for k in keys:
                    values = run.history.get(k, [])
                    value = values[i] if i < len(values) else ""
                    row.append(int(value) if k == "epoch" else value)
                writer.writerow(row)
    except OSError as exc:
        raise RunsError(f"Cannot write {path}: {exc.strerror or exc}; choose another folder") from None
    return path
