"""Optimizers, built from the registry with the run's learning rate and L2 strength."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from nnstudio.core.arch.freeze import trainable_parameters
from nnstudio.core.base.errors import TrainingError
from nnstudio.core.base.registry import OPTIMIZERS, Param


def _fast(cls: type[torch.optim.Optimizer], params: Iterable[torch.nn.Parameter], **kwargs: Any) -> torch.optim.Optimizer:
    """The same update rule through one fused kernel (or multi-tensor foreach) instead of a Python loop
    over the weights: identical mathematics, a lot less per-step overhead on small networks. Frozen layers'
    weights (``requires_grad`` off) are left out, so no optimizer moves them (weight decay and momentum included)."""
    every = list(params)
    params = trainable_parameters(every)
    if not params:
        raise TrainingError("Every layer with weights is frozen, so training has nothing to change; unfreeze at least "
                            "one layer (Architecture tab: untick Frozen)" if every else
                            "The network has no weights to train; add a Linear or Conv2d layer")
    try:
        return cls(params, fused=True, **kwargs)
    except (RuntimeError, TypeError, ValueError):  # fused is not offered for this optimizer or device
        pass
    try:
        return cls(params, foreach=True, **kwargs)
    except (RuntimeError, TypeError, ValueError):
        return cls(params, **kwargs)


@OPTIMIZERS.register(
    "sgd", title="SGD", category="Classic",
    params=(
        Param("momentum", float, 0.9, "How much of the previous step carries over (0 = plain gradient descent).", 0.0, 0.999),
        Param("nesterov", bool, False, "Look ahead along the momentum before taking the gradient."),
    ),
    help="""
Stochastic gradient descent: step against the gradient of each batch. With momentum it keeps rolling in
consistent directions and damps zig-zags. Simple and often generalizes well, but sensitive to the learning
rate and slower to get going than adaptive methods.""",
)
def sgd(params: Iterable[torch.nn.Parameter], lr: float, weight_decay: float, p: dict[str, Any]) -> torch.optim.Optimizer:
    nesterov = p["nesterov"] and p["momentum"] > 0
    return _fast(torch.optim.SGD, params, lr=lr, momentum=p["momentum"], nesterov=nesterov, weight_decay=weight_decay)


@OPTIMIZERS.register(
    "adam", title="Adam", category="Adaptive",
    params=(
        Param("beta1", float, 0.9, "Decay of the running average of gradients (momentum).", 0.0, 0.999),
        Param("beta2", float, 0.999, "Decay of the running average of squared gradients.", 0.0, 0.99999),
    ),
    help="""
Keeps a running average of each weight's gradient and of its square, and scales each step by them: every
weight gets its own step size. Works well out of the box at lr 0.001, which makes it the usual default;
can generalize slightly worse than tuned SGD.""",
)
def adam(params: Iterable[torch.nn.Parameter], lr: float, weight_decay: float, p: dict[str, Any]) -> torch.optim.Optimizer:
    return _fast(torch.optim.Adam, params, lr=lr, betas=(p["beta1"], p["beta2"]), weight_decay=weight_decay)


@OPTIMIZERS.register(
    "adamw", title="AdamW", category="Adaptive",
    params=(
        Param("beta1", float, 0.9, "Decay of the running average of gradients (momentum).", 0.0, 0.999),
        Param("beta2", float, 0.999, "Decay of the running average of squared gradients.", 0.0, 0.99999),
    ),
    help="""
Adam with decoupled weight decay: the L2 pull towards zero is applied to the weights directly instead of
being mixed into the gradient, where Adam's scaling would weaken it for weights with large gradients. The
better choice whenever you use L2 regularization with an adaptive optimizer.""",
)
def adamw(params: Iterable[torch.nn.Parameter], lr: float, weight_decay: float, p: dict[str, Any]) -> torch.optim.Optimizer:
    return _fast(torch.optim.AdamW, params, lr=lr, betas=(p["beta1"], p["beta2"]), weight_decay=weight_decay)


@OPTIMIZERS.register(
    "rmsprop", title="RMSprop", category="Adaptive",
    params=(
        Param("alpha", float, 0.99, "Decay of the running average of squared gradients.", 0.0, 0.9999),
        Param("momentum", float, 0.0, "Momentum on top of the scaled step.", 0.0, 0.999),
    ),
    help="""
Divides each weight's step by a running root-mean-square of its recent gradients, so steep directions get
small steps and flat ones larger steps. A forerunner of Adam; still popular for recurrent networks.""",
)
def rmsprop(params: Iterable[torch.nn.Parameter], lr: float, weight_decay: float, p: dict[str, Any]) -> torch.optim.Optimizer:
    return _fast(torch.optim.RMSprop, params, lr=lr, alpha=p["alpha"], momentum=p["momentum"], weight_decay=weight_decay)


@OPTIMIZERS.register(
    "adagrad", title="Adagrad", category="Adaptive",
    params=(
        Param("lr_decay", float, 0.0, "Shrink the learning rate a little after every step.", 0.0, 1.0),
        Param("initial_accumulator", float, 0.0, "Starting value of each weight's sum of squared gradients.", 0.0, 10.0),
    ),
    help="""
Divides each weight's step by the square root of the sum of all its past squared gradients: rarely
updated weights keep large steps, frequently updated ones slow down. Good for sparse features; on long
runs the sum only grows, so learning can stall (RMSprop and Adam fix that with running averages).""",
)
def adagrad(params: Iterable[torch.nn.Parameter], lr: float, weight_decay: float, p: dict[str, Any]) -> torch.optim.Optimizer:
    return _fast(
        torch.optim.Adagrad, params, lr=lr, lr_decay=p["lr_decay"],
        initial_accumulator_value=p["initial_accumulator"], weight_decay=weight_decay,
    )
