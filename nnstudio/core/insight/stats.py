"""Live statistics of any model: weight and gradient histograms, per-layer gradient norms, activation
statistics (mean, spread, dead ReLUs).

The collector runs in the training thread. Every ``every`` batches it installs forward hooks for one
batch only, reads the gradients that batch left behind, and hands a :class:`StatsSnapshot` of plain
numpy/floats to ``sink`` (e.g. ``queue.SimpleQueue.put``). Between collections it costs one integer test.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from nnstudio.core.insight.budget import SYSTEM_CLOCK, Clock, WatchBudget
from nnstudio.core.training.callbacks import Callback
from nnstudio.core.training.engine import TrainingState

BINS = 30
ACTIVATIONS = (nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh, nn.Softplus,
               nn.Mish, nn.SELU, nn.PReLU, nn.Hardtanh, nn.Hardswish)
RELU_LIKE = (nn.ReLU, nn.ReLU6)
DEFAULT_EVERY = 10
FULL_SPEED_INTERVAL = 0.1  # seconds between looks at a run the speed control does not slow down


@dataclass
class Histogram:
    edges: np.ndarray  # (bins + 1,)
    counts: np.ndarray  # (bins,)


@dataclass
class ActivationStats:
    mean: float
    std: float
    dead: float  # fraction of units that output exactly 0 for every example of the batch (ReLU-like)
    saturated: float  # fraction of outputs near a sigmoid/tanh limit, NaN for other layers


@dataclass
class StatsSnapshot:
    epoch: int
    batch: int
    step: float  # epochs as a fraction: 2.5 = half-way through epoch 3
    grad_norms: dict[str, float] = field(default_factory=dict)  # per parametrised layer
    weight_hists: dict[str, Histogram] = field(default_factory=dict)
    grad_hists: dict[str, Histogram] = field(default_factory=dict)
    activations: dict[str, ActivationStats] = field(default_factory=dict)


def parametrised_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Leaf modules owning trainable parameters, in order (the rows of every statistic)."""
    return [(name or type(m).__name__, m) for name, m in model.named_modules()
            if not list(m.children()) and any(p.requires_grad for p in m.parameters(recurse=False))]


def activation_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    found = [(n, m) for n, m in model.named_modules() if n and not list(m.children()) and isinstance(m, ACTIVATIONS)]
    return found or parametrised_layers(model)


def histogram(values: torch.Tensor, bins: int = BINS) -> Histogram:
    v = values.detach().float().reshape(-1)
    lo, hi = float(v.min()), float(v.max())
    if not (math.isfinite(lo) and math.isfinite(hi)):
        v = v[torch.isfinite(v)]
        lo, hi = (float(v.min()), float(v.max())) if v.numel() else (0.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    counts = torch.histc(v.cpu(), bins=bins, min=lo, max=hi).numpy()
    return Histogram(np.linspace(lo, hi, bins + 1), counts)


def layer_grad_norms(model: nn.Module) -> dict[str, float]:
    """L2 norm of every parametrised layer's gradient (weights and bias together), one sync in all."""
    layers = parametrised_layers(model)
    norms = []
    names = []
    for name, m in layers:
        grads = [p.grad.detach().reshape(-1) for p in m.parameters(recurse=False) if p.grad is not None]
        if grads:
            names.append(name)
            norms.append(torch.linalg.vector_norm(torch.cat(grads)))
    if not norms:
        return {}
    values = torch.stack(norms).float().cpu().tolist()
    return dict(zip(names, values, strict=True))


def weight_histograms(model: nn.Module, grads: bool = False) -> dict[str, Histogram]:
    out = {}
    for name, m in parametrised_layers(model):
        tensors = [(p.grad if grads else p) for p in m.parameters(recurse=False)]
        tensors = [t.detach().reshape(-1) for t in tensors if t is not None]
        if tensors:
            out[name] = histogram(torch.cat(tensors))
    return out


def _activation_summary(module: nn.Module, out: torch.Tensor) -> torch.Tensor:
    """[mean, std, dead fraction, saturated fraction] as one small tensor (no sync in the hook)."""
    o = out.detach().float()
    units = o.reshape(o.shape[0], o.shape[1], -1).transpose(0, 1).reshape(o.shape[1], -1) if o.ndim > 2 else o.T
    nan = torch.tensor(float("nan"), device=o.device)
    dead = (units.abs().amax(dim=1) == 0).float().mean() if isinstance(module, RELU_LIKE) else nan
    if isinstance(module, nn.Sigmoid):
        saturated = ((o < 0.02) | (o > 0.98)).float().mean()
    elif isinstance(module, nn.Tanh):
        saturated = (o.abs() > 0.96).float().mean()
    else:
        saturated = nan
    return torch.stack([o.mean(), o.std() if o.numel() > 1 else torch.zeros((), device=o.device), dead, saturated])


class ActivationProbe:
    """Forward hooks that exist only while a collection batch runs."""

    def __init__(self, model: nn.Module, clock: Clock = SYSTEM_CLOCK) -> None:
        self.clock = clock  # its cpu() times the hooks
        self.layers = activation_layers(model)
        self.captured: dict[str, torch.Tensor] = {}
        self.seconds = 0.0  # CPU time the hooks took in the last recorded batch (collection pays for it)
        self._handles: list = []

    @property
    def attached(self) -> bool:
        return bool(self._handles)

    def attach(self) -> None:
        self.detach()
        self.captured = {}
        self.seconds = 0.0
        for name, m in self.layers:
            self._handles.append(m.register_forward_hook(self._hook(name)))

    def _hook(self, name: str):
        def hook(module: nn.Module, _inputs, out) -> None:
            if isinstance(out, torch.Tensor) and out.ndim >= 2 and out.is_floating_point():
                started = self.clock.cpu()
                self.captured[name] = _activation_summary(module, out)
                self.seconds += self.clock.cpu() - started
        return hook

    def detach(self) -> None:
        for h in self._handles:
            h.remove()
        self._handles = []

    def read(self) -> dict[str, ActivationStats]:
        if not self.captured:
            return {}
        names = list(self.captured)
        values = torch.stack([self.captured[n] for n in names]).cpu().tolist()
        self.captured = {}
        return {n: ActivationStats(*v) for n, v in zip(names, values, strict=True)}


def collect(model: nn.Module, probe: ActivationProbe | None, epoch: int, batch: int, step: float,
            histograms: bool = True) -> StatsSnapshot:
    return StatsSnapshot(
        epoch, batch, step,
        grad_norms=layer_grad_norms(model),
        weight_hists=weight_histograms(model) if histograms else {},
        grad_hists=weight_histograms(model, grads=True) if histograms else {},
        activations=probe.read() if probe is not None else {},
    )


class StatsCallback(Callback):
    """Collect a :class:`StatsSnapshot` every ``every`` batches (0 = off) and pass it to ``sink``.

    ``every`` and ``enabled`` may be changed from another thread at any time (plain attribute reads).
    Collection keeps to ``budget`` (a fraction of the run's time, and at most ten looks a second unless the
    run is slowed down; None = no limit, see
    :class:`~nnstudio.core.insight.budget.WatchBudget`), so watching a tiny fast model cannot halve its
    speed. Histograms (the expensive part) are built at most every ``hist_interval`` seconds.
    """

    def __init__(self, sink: Callable[[StatsSnapshot], None], every: int = DEFAULT_EVERY, enabled: bool = True,
                 hist_interval: float = 0.25, budget: float | None = 0.02, clock: Clock = SYSTEM_CLOCK) -> None:
        self.sink = sink
        self.every = every
        self.enabled = enabled
        self.hist_interval = hist_interval
        # At full speed, ten looks a second are more points than a live curve can show, each one costing the
        # run; a run slowed down to be watched gets every look it asks for.
        spacing = FULL_SPEED_INTERVAL if budget else 0.0
        self.budget = WatchBudget(budget, min_interval=spacing, slowed_min_interval=0.0, clock=clock)
        self._count = 0
        self._last_hist = -math.inf
        self._probe: ActivationProbe | None = None

    def on_fit_start(self, state: TrainingState) -> None:
        self._probe = ActivationProbe(state.model, self.budget.clock)
        self._count = 0
        if self.enabled and self.every > 0:
            self._probe.attach()  # the first batch is a collection batch

    def on_batch_end(self, state: TrainingState, loss: float) -> None:
        probe = self._probe
        if probe is None:
            return
        self._count += 1
        if probe.attached:  # this batch was the collection batch
            probe.detach()
            started = self.budget.clock.wall()
            histograms = started - self._last_hist >= self.hist_interval
            if histograms:
                self._last_hist = started
            step = state.epoch - 1 + state.batch / max(1, state.batches_per_epoch)
            with self.budget.charge(state, earlier=probe.seconds):
                self.sink(collect(state.model, probe, state.epoch, state.batch, step, histograms))
            if histograms:  # the next histograms wait for their own share of the time
                self._last_hist = max(self._last_hist, self.budget.resume_at - self.hist_interval)
        if self.enabled and self.every > 0 and (self._count + 1) % self.every == 0 and self.budget.allows():
            probe.attach()  # the next forward pass is recorded

    def on_fit_end(self, state: TrainingState, result) -> None:
        if self._probe is not None:
            self._probe.detach()
