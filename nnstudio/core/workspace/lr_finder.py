"""Learning-rate range test (Leslie Smith; the fastai "LR finder"): train a *copy* of the model for a few
hundred batches while the learning rate grows exponentially, record the loss, and suggest a rate where
the loss falls fastest. The user's model and optimizer are never touched.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from nnstudio.core.base.errors import TrainingError
from nnstudio.core.base.jobs import JobToken
from nnstudio.core.base.registry import LOSSES, OPTIMIZERS
from nnstudio.core.data.bundle import DataBundle
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.training.devices import resolve_device

SMOOTH = 0.05  # weight of the newest batch in the smoothed loss
DIVERGE = 4.0  # stop once the smoothed loss exceeds this many times its minimum


@dataclass
class LRFinderResult:
    lrs: np.ndarray
    losses: np.ndarray  # raw batch losses
    smoothed: np.ndarray
    suggestion: float  # NaN when the curve gives no clear answer
    stopped_early: bool = False  # the loss exploded before end_lr (the usual, good case)
    cancelled: bool = False


def suggest(lrs: np.ndarray, smoothed: np.ndarray) -> float:
    """Where the loss falls most steeply (per decade of learning rate) before its minimum, but at most a
    tenth of the rate at the minimum: near the minimum the loss is about to blow up (fastai's two rules).
    The steepest fall is looked for among the rates at or below that cap, so the answer always sits on a
    falling stretch of the curve, never on a bump between the cap and the minimum."""
    if len(lrs) < 8:
        return math.nan
    finite = np.isfinite(smoothed)
    lrs, smoothed = lrs[finite], smoothed[finite]
    lowest = int(np.argmin(smoothed))
    cap = float(lrs[lowest]) / 10
    skip = max(1, len(lrs) // 20)  # the first few points are still warming up the smoothing
    if lowest - skip < 3:
        return cap if lowest > 0 else math.nan
    window = max(3, len(lrs) // 12)  # slopes of single noisy batches would point anywhere
    curve = moving_average(smoothed, window)
    span = slice(skip, lowest + 1)
    rates = lrs[span]
    slope = np.gradient(curve[span], np.log10(rates))
    falling = (rates <= cap * (1 + 1e-9)) & (slope < 0)
    if not falling.any():
        return cap
    return float(rates[falling][int(np.argmin(slope[falling]))])


def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """A centred mean over ``window`` points that averages only the points that exist: ``np.convolve(mode="same")``
    alone pads both ends with zeros, which bends the curve down there and makes its last points look like the
    steepest fall (a sweep stopped just after its minimum then suggested a tenth of the minimum, whatever the curve)."""
    kernel = np.ones(window)
    return np.convolve(values, kernel, mode="same") / np.convolve(np.ones(len(values)), kernel, mode="same")


def lr_range_test(
    model: nn.Module,
    bundle: DataBundle,
    spec: TrainSpec,
    start_lr: float = 1e-6,
    end_lr: float = 10.0,
    steps: int = 200,
    token: JobToken | None = None,
) -> LRFinderResult:
    """Train a throw-away copy at a rising learning rate; ``token`` reports each step, and Cancel keeps the curve so far."""
    if not 0 < start_lr < end_lr:
        raise TrainingError(f"The LR finder needs 0 < start ({start_lr:g}) < end ({end_lr:g}); widen the range")
    n = len(bundle.train)
    if n == 0:
        raise TrainingError("The training split is empty; the LR finder needs training examples")
    device = resolve_device(spec.device)
    trial = copy.deepcopy(model).to(device).train()
    spec = spec.copy()
    loss_entry = LOSSES.get(spec.loss)
    loss_fn = loss_entry.obj.make(loss_entry.validate(spec.loss_params, "training.loss_params"), bundle.task, bundle.num_classes)
    opt_entry = OPTIMIZERS.get(spec.optimizer)
    optimizer = opt_entry.obj(trial.parameters(), start_lr, spec.weight_decay,
                              opt_entry.validate(spec.optimizer_params, "training.optimizer_params"))
    factor = (end_lr / start_lr) ** (1 / max(1, steps - 1))
    x, y = bundle.train.x.to(device), bundle.train.y.to(device)
    bs = min(spec.batch_size, n)
    generator = torch.Generator().manual_seed(spec.seed)
    perm = torch.randperm(n, generator=generator)
    lrs, losses, smoothed = [], [], []
    avg, best = None, math.inf
    stopped = was_cancelled = False
    pos = 0
    for step in range(steps):
        if token is not None and token.cancelled:
            was_cancelled = True
            break
        lr = start_lr * factor**step
        for group in optimizer.param_groups:
            group["lr"] = lr
        if pos + bs > n:
            perm, pos = torch.randperm(n, generator=generator), 0
        idx = perm[pos : pos + bs].to(device)
        pos += bs
        loss = loss_fn(trial(x[idx]), y[idx])
        value = loss.item()
        optimizer.zero_grad(set_to_none=True)
        if math.isfinite(value):
            loss.backward()
            optimizer.step()
        avg = value if avg is None else avg + SMOOTH * (value - avg)
        lrs.append(lr)
        losses.append(value)
        smoothed.append(avg)
        if token is not None:
            token.report(step + 1, steps)
        if not math.isfinite(avg) or (step > 10 and avg > DIVERGE * best):
            stopped = True
            break
        best = min(best, avg)
    lr_arr, smooth_arr = np.array(lrs), np.array(smoothed, dtype=float)
    return LRFinderResult(lr_arr, np.array(losses, dtype=float), smooth_arr, suggest(lr_arr, smooth_arr), stopped,
                          was_cancelled)
