"""Optimizers, built from the registry with the run's learning rate and L2 strength."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from nnstudio.core.registry import OPTIMIZERS, Param


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
    return torch.optim.SGD(params, lr=lr, momentum=p["momentum"], nesterov=nesterov, weight_decay=weight_decay)


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
    return torch.optim.Adam(params, lr=lr, betas=(p["beta1"], p["beta2"]), weight_decay=weight_decay)


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
    return torch.optim.RMSprop(params, lr=lr, alpha=p["alpha"], momentum=p["momentum"], weight_decay=weight_decay)
