"""The Playground's live pictures: every neuron and the output over the input plane (or line), from ONE
batched forward pass with hooks, plus the losses and every Linear's weights, as plain numpy data.

:class:`FrameCallback` is a training callback: the existing engine (``Trainer.fit``) trains batch by batch in
a worker thread, and every frame period the callback hands a frame to ``sink`` and waits until the view has
painted it. Training and painting take turns instead of running at once: both are mostly Python on tiny
tensors, and run together they fight over the GIL (every torch call hands it over), which on the spiral
benchmark cut training to a tenth and left the GUI timer 250 ms late. Taking turns, the run trains for what
the period leaves after the paint, and the GUI thread is free between frames. A paused run (Step, Pause)
gets its frame as it parks.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from nnstudio.core.data.bundle import CLASSIFICATION, Split
from nnstudio.core.insight.grid import Plane, grid_points, outputs_to_grid, plane_from_raw, prepared_inputs
from nnstudio.core.playground.graph import Graph
from nnstudio.core.training.callbacks import Callback

PLANE_RESOLUTION = 64  # grid points per side: the output and every neuron, one forward pass
LINE_RESOLUTION = 240
FRAME_PERIOD = 1 / 22  # a frame this often while playing: training, then the frame's computing and painting
MIN_TRAIN_SHARE = 0.4  # of the period, for training, however slow the painting
PAINT_TIMEOUT = 0.5  # seconds the run waits for a paint (a hidden or closing view may never paint)


@dataclass
class Surface:
    """Where the pictures are drawn: the raw plane (two inputs) or the raw line (one input)."""

    plane: Plane  # for one input, x_range is the line and the points' second coordinate is the target
    dims: int
    resolution: int
    inputs: torch.Tensor  # the grid through the fitted preprocessing, ready for the model
    xs: np.ndarray
    ys: np.ndarray | None

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.resolution,) if self.dims == 1 else (self.resolution, self.resolution)


def raw_points(prepared) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """The raw train and test points of one or two numeric input columns, or None for other data."""
    raw = prepared.raw
    if raw.x.ndim != 2 or raw.x.shape[1] not in (1, 2) or raw.input_kind != "float" or raw.x.dtype.kind not in "fiu":
        return None
    x = raw.x.astype(np.float64)
    if raw.fixed_test is None:
        test_x, test_y = x[prepared.test_idx], raw.y[prepared.test_idx]
    else:
        test_x, test_y = np.asarray(raw.fixed_test[0], dtype=np.float64), raw.fixed_test[1]
    train_x, train_y = x[prepared.train_idx], raw.y[prepared.train_idx]
    ok_train, ok_test = np.isfinite(train_x).all(axis=1), np.isfinite(test_x).all(axis=1)
    if not ok_train.any():
        return None
    return train_x[ok_train], train_y[ok_train], test_x[ok_test], test_y[ok_test]


def surface_for(prepared, resolution: int | None = None) -> Surface | None:
    """The surface of ``prepared`` data (a :class:`nnstudio.core.data.assemble.Prepared`), None when the data
    is not one or two numeric columns."""
    points = raw_points(prepared)
    if points is None:
        return None
    train_x, train_y, test_x, test_y = points
    names = list(prepared.raw.feature_names)
    pipeline = prepared.pipeline
    if train_x.shape[1] == 2:
        res = resolution or PLANE_RESOLUTION
        plane = plane_from_raw(train_x, train_y, test_x, test_y, names)
        xs, ys, grid = grid_points(plane, res)
        return Surface(plane, 2, res, prepared_inputs(grid, pipeline), xs, ys)
    res = resolution or LINE_RESOLUTION
    # One input: the plane's second axis is the target, so the same Plane carries the scatter of (x, y).
    as_xy = [np.column_stack([x[:, 0], np.asarray(y, float)]) for x, y in ((train_x, train_y), (test_x, test_y))]
    plane = plane_from_raw(as_xy[0], train_y, as_xy[1], test_y, names)
    xs = np.linspace(*plane.x_range, res)
    return Surface(plane, 1, res, prepared_inputs(xs[:, None], pipeline), xs, None)


@dataclass
class Frame:
    """One picture of the network: ``neurons[k]`` (units, *surface.shape) for hidden column k, ``output``
    the predicted class (classification, 2-D) or value over the surface, ``probs`` the class probabilities."""

    generation: int
    epoch: int
    steps: int
    neurons: list[np.ndarray]
    output: np.ndarray
    probs: np.ndarray | None
    weights: list[np.ndarray]  # every Linear's (out, in) weights, the output layer last
    biases: list[np.ndarray]
    train_loss: float
    test_loss: float
    made: float = field(default_factory=time.perf_counter)


def modules_by_name(model: nn.Module) -> dict[str, nn.Module]:
    return dict(model.named_modules())


@torch.no_grad()
def compute_frame(model: nn.Module, graph: Graph, surface: Surface, task: str, *, generation: int = 0, epoch: int = 0,
                  steps: int = 0, losses: tuple[float, float] = (float("nan"), float("nan"))) -> Frame:
    """Every hidden neuron and the output over ``surface`` in one forward pass (hooks removed before returning)."""
    named = modules_by_name(model)
    captured: dict[int, torch.Tensor] = {}
    handles = [named[c.tap].register_forward_hook(lambda _m, _i, out, k=k: captured.__setitem__(k, out))
               for k, c in enumerate(graph.columns)]
    was_training = model.training
    model.eval()
    try:
        out = model(surface.inputs)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    shape = surface.shape
    neurons = [captured[k].float().T.reshape(captured[k].shape[1], *shape).numpy().copy() for k in range(len(graph.columns))]
    if surface.dims == 2:
        output, probs = outputs_to_grid(out, surface.resolution, task)
    elif task == CLASSIFICATION:  # one input and classes: the probabilities along the line
        p1 = torch.sigmoid(out.reshape(-1)) if out.shape[-1] == 1 else None
        probs = (torch.stack([1 - p1, p1], -1) if p1 is not None else torch.softmax(out, -1)).numpy()
        output = probs.argmax(-1)
    else:
        output, probs = out.reshape(out.shape[0], -1)[:, 0].numpy().copy(), None
    weights = [named[n].weight.detach().numpy().copy() for n in graph.linears]
    biases = [named[n].bias.detach().numpy().copy() if named[n].bias is not None else np.zeros(named[n].weight.shape[0])
              for n in graph.linears]
    return Frame(generation, epoch, steps, neurons, output, probs, weights, biases, *losses)


def set_weight(model: nn.Module, graph: Graph, layer: int, unit: int, source: int, value: float) -> None:
    """The weight from input ``source`` to neuron ``unit`` of Linear ``layer`` (0: the first hidden layer;
    the output layer is last) becomes ``value``: what a click on an edge types."""
    linear = modules_by_name(model)[graph.linears[layer]]
    with torch.no_grad():
        linear.weight[unit, source] = float(value)


class FrameCallback(Callback):
    """Frames for the Playground from inside ``Trainer.fit``: at the start, whenever one is due while the
    run plays (the view showed the last one, ``interval`` has passed), and when the run parks or ends."""

    def __init__(self, graph: Graph, surface: Surface, sink: Callable[[Frame], None], generation: int = 0,
                 test: Split | None = None, period: float = FRAME_PERIOD) -> None:
        self.graph, self.surface, self.sink = graph, surface, sink
        self.generation = generation
        self.test = test
        self.period = period
        self.slice = period  # training time before the next frame: the period less the last handover
        self.shown = threading.Event()  # set by the view once it has painted the last frame
        self.shown.set()
        self.last = 0.0
        self.steps = 0
        self.state = None

    def on_fit_start(self, state) -> None:
        self.state = state
        self.emit()

    def on_batch_end(self, state, loss: float) -> None:
        self.steps += 1
        if time.perf_counter() - self.last < self.slice:
            return
        started = time.perf_counter()
        self.emit()
        # The GIL is free meanwhile: the GUI thread paints undisturbed. A stop (a reset, closing) ends the wait.
        control = state.control
        while not self.shown.wait(0.01):
            if (control is not None and control.stop_requested) or time.perf_counter() - started > PAINT_TIMEOUT:
                break
        handover = time.perf_counter() - started
        self.slice = max(self.period - handover, self.period * MIN_TRAIN_SHARE)
        self.last = time.perf_counter()

    def on_fit_end(self, state, result) -> None:
        self.emit()

    @torch.no_grad()
    def losses(self) -> tuple[float, float]:
        """The run's own loss function on the whole training and test splits (no metric: a frame needs none)."""
        trainer = self.state.trainer if self.state is not None else None
        if trainer is None:
            return float("nan"), float("nan")
        model, was_training = trainer.model, trainer.model.training
        model.eval()
        try:
            out = []
            for split in (trainer.bundle.train, self.test):
                out.append(float(trainer.loss_fn(model(split.x), split.y)) if split is not None and len(split) else float("nan"))
        finally:
            model.train(was_training)
        return out[0], out[1]

    def emit(self) -> None:
        """Compute and hand over a frame now (training thread; also called as the run parks)."""
        state = self.state
        if state is None:
            return
        self.shown.clear()
        epoch = state.trainer.epochs_done if state.trainer is not None else state.epoch
        frame = compute_frame(state.model, self.graph, self.surface, state.bundle.task, generation=self.generation,
                              epoch=epoch, steps=self.steps, losses=self.losses())
        if self.steps and not math.isfinite(frame.train_loss) and not state.stop_reason:
            # The live loop reads no loss per batch (core/playground/live.py): here is where a blow-up shows.
            lr = float(state.optimizer.param_groups[0]["lr"])
            state.stop_reason = (f"The training loss became {frame.train_loss} in epoch {state.epoch}: the weights "
                                 f"blew up; lower the learning rate (now {lr:g}) and press Reset")
        self.last = time.perf_counter()
        self.sink(frame)
