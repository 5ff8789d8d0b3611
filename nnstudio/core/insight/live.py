"""The boundary and neuron views as a training callback: every ``every`` batches (and at least every
``min_interval`` seconds apart) it predicts the cached grid and hands numpy results to ``sink``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from nnstudio.core.insight.budget import SYSTEM_CLOCK, Clock, WatchBudget
from nnstudio.core.insight.grid import (
    BoundaryGrid,
    NeuronLayer,
    Plane,
    boundary_grid,
    grid_points,
    neuron_responses,
    prepared_inputs,
)
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.engine import RunResult, TrainingState

RESOLUTION = 160  # grid points per side of the boundary image
NEURON_RESOLUTION = 36


@dataclass
class BoundaryFrame:
    epoch: int
    batch: int
    grid: BoundaryGrid
    neurons: list[NeuronLayer]


class BoundaryCallback(Callback):
    def __init__(self, plane: Plane, sink: Callable[[BoundaryFrame], None], every: int = 10, resolution: int = RESOLUTION,
                 neuron_resolution: int = NEURON_RESOLUTION, min_interval: float = 0.15, input_names: list[str] | None = None,
                 budget: float = 0.015, clock: Clock = SYSTEM_CLOCK) -> None:
        self.plane = plane
        self.sink = sink
        self.every = every
        self.enabled = True
        self.resolution = resolution
        self.neuron_resolution = neuron_resolution
        self.input_names = input_names or plane.feature_names
        self._inputs: torch.Tensor | None = None
        self._neuron_inputs: torch.Tensor | None = None
        self.budget = WatchBudget(budget, min_interval, clock=clock)  # emits back off to keep to it
        self._count = 0

    def on_fit_start(self, state: TrainingState) -> None:
        pipeline = state.bundle.pipeline
        self._inputs = prepared_inputs(grid_points(self.plane, self.resolution)[2], pipeline, state.device)
        self._neuron_inputs = prepared_inputs(grid_points(self.plane, self.neuron_resolution)[2], pipeline, state.device)
        if self.enabled:
            self._emit(state)

    def on_batch_end(self, state: TrainingState, loss: float) -> None:
        self._count += 1
        if not self.enabled or self.every <= 0 or self._count % self.every:
            return
        if self.budget.allows():
            self._emit(state)

    def on_epoch_end(self, state: TrainingState, metrics: dict[str, float]) -> None:
        # Small 2-D runs finish an epoch in milliseconds: epoch ends obey the same time budget.
        if self.enabled and self.budget.allows():
            self._emit(state)

    def on_fit_end(self, state: TrainingState, result: RunResult) -> None:
        if self.enabled:
            self._emit(state)  # the final weights (restored best ones after early stopping)

    def _emit(self, state: TrainingState) -> None:
        model, task = state.model, state.bundle.task
        with self.budget.charge(state):
            grid = boundary_grid(model, None, self.plane, task, self.resolution, inputs=self._inputs)
            neurons = neuron_responses(model, None, self.plane, self.neuron_resolution, self.input_names,
                                       inputs=self._neuron_inputs)
            self.sink(BoundaryFrame(state.epoch, state.batch, grid, neurons))
