"""Every registered optimizer's first two steps against torch.optim (plain, per-tensor implementation) built
with the same hyperparameters spelled out here, on the same parameters and gradients.

Two steps, because several settings only show on the second (momentum, Adam's betas, Adagrad's lr decay).
The reference table is keyed by registry name: an optimizer registered without one fails
``test_every_optimizer_has_a_reference``; a parameter no case moves off its default fails
``test_every_optimizer_parameter_is_moved_off_its_default``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch

from nnstudio.core.base.registry import OPTIMIZERS

Build = Callable[[list[torch.Tensor], float, float, dict[str, Any]], torch.optim.Optimizer]

REFERENCES: dict[str, Build] = {
    "sgd": lambda ps, lr, wd, p: torch.optim.SGD(
        ps, lr=lr, momentum=p["momentum"], nesterov=p["nesterov"], weight_decay=wd, foreach=False),
    "adam": lambda ps, lr, wd, p: torch.optim.Adam(
        ps, lr=lr, betas=(p["beta1"], p["beta2"]), weight_decay=wd, foreach=False),
    "adamw": lambda ps, lr, wd, p: torch.optim.AdamW(
        ps, lr=lr, betas=(p["beta1"], p["beta2"]), weight_decay=wd, foreach=False),
    "rmsprop": lambda ps, lr, wd, p: torch.optim.RMSprop(
        ps, lr=lr, alpha=p["alpha"], momentum=p["momentum"], weight_decay=wd, foreach=False),
    "adagrad": lambda ps, lr, wd, p: torch.optim.Adagrad(
        ps, lr=lr, lr_decay=p["lr_decay"], initial_accumulator_value=p["initial_accumulator"], weight_decay=wd,
        foreach=False),
}

# Settings moved off their defaults, per optimizer (each one alone).
MOVED: dict[str, list[dict[str, Any]]] = {
    "sgd": [{"momentum": 0.0}, {"momentum": 0.5}, {"nesterov": True}],
    "adam": [{"beta1": 0.5}, {"beta2": 0.9}],
    "adamw": [{"beta1": 0.5}, {"beta2": 0.9}],
    "rmsprop": [{"alpha": 0.5}, {"momentum": 0.7}],
    "adagrad": [{"lr_decay": 0.5}, {"initial_accumulator": 2.0}],
}
LR = 0.05  # not any optimizer's usual default, so an optimizer that ignored it would show
WEIGHT_DECAY = 0.2


def _start() -> list[torch.Tensor]:
    w = torch.tensor([[0.8, -1.5, 0.3], [2.0, -0.4, 1.1]])
    b = torch.tensor([0.5, -0.2, 0.05])
    return [w.clone().requires_grad_(True), b.clone().requires_grad_(True)]


def _loss(params: list[torch.Tensor]) -> torch.Tensor:
    """Curvature differs per weight and the gradient changes between steps, so adaptive scaling shows."""
    w, b = params
    scale = torch.tensor([[1.0, 3.0, 0.2], [0.5, 5.0, 1.5]])
    return (scale * w**2).sum() + (0.3 * w**3).sum() + ((b - 1.0) ** 2 * torch.tensor([1.0, 4.0, 0.1])).sum()


def _two_steps(optimizer: torch.optim.Optimizer, params: list[torch.Tensor]) -> list[list[torch.Tensor]]:
    seen = []
    for _ in range(2):
        optimizer.zero_grad()
        _loss(params).backward()
        optimizer.step()
        seen.append([p.detach().clone() for p in params])
    return seen


def _registry_steps(name: str, lr: float, wd: float, moved: dict[str, Any]) -> list[list[torch.Tensor]]:
    entry = OPTIMIZERS.get(name)
    params = _start()
    return _two_steps(entry.obj(params, lr, wd, entry.validate(moved, "optimizer_params")), params)


def _reference_steps(name: str, lr: float, wd: float, moved: dict[str, Any]) -> list[list[torch.Tensor]]:
    entry = OPTIMIZERS.get(name)
    params = _start()
    return _two_steps(REFERENCES[name](params, lr, wd, {**entry.defaults(), **moved}), params)


def _close(a: list[list[torch.Tensor]], b: list[list[torch.Tensor]]) -> None:
    for step_a, step_b in zip(a, b, strict=True):
        for pa, pb in zip(step_a, step_b, strict=True):
            torch.testing.assert_close(pa, pb, rtol=1e-5, atol=1e-6)


def _distance(a: list[list[torch.Tensor]], b: list[list[torch.Tensor]]) -> float:
    return max(float((pa - pb).abs().max()) for step_a, step_b in zip(a, b, strict=True) for pa, pb in zip(step_a, step_b, strict=True))


def test_every_optimizer_has_a_reference():
    assert set(REFERENCES) == set(OPTIMIZERS.names())
    assert set(MOVED) == set(OPTIMIZERS.names())


def test_every_optimizer_parameter_is_moved_off_its_default():
    for entry in OPTIMIZERS:
        for param in entry.params:
            assert any(m.get(param.name, param.default) != param.default for m in MOVED[entry.name]), (
                f"{entry.name}.{param.name} is never set off its default"
            )


def _cases(name: str) -> list[tuple[float, float, dict[str, Any]]]:
    return [(LR, 0.0, {}), (LR, WEIGHT_DECAY, {}), (0.01, 0.0, {})] + [(LR, 0.0, m) for m in MOVED[name]]


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_first_two_steps_match_torch_optim(name):
    for lr, wd, moved in _cases(name):
        try:
            _close(_registry_steps(name, lr, wd, moved), _reference_steps(name, lr, wd, moved))
        except AssertionError as exc:
            raise AssertionError(f"{name} with lr {lr}, weight decay {wd}, {moved}: {exc}") from None


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_every_setting_changes_the_first_two_steps(name):
    """Learning rate, L2 and each parameter moved off its default give other weights than the defaults: an
    optimizer that ignored one of them could not match both references above."""
    base = _registry_steps(name, LR, 0.0, {})
    assert _distance(_registry_steps(name, 0.01, 0.0, {}), base) > 1e-3, "lr"
    assert _distance(_registry_steps(name, LR, WEIGHT_DECAY, {}), base) > 1e-4, "weight_decay"
    for moved in MOVED[name]:
        assert _distance(_registry_steps(name, LR, 0.0, moved), base) > 1e-4, moved


def test_sgd_steps_by_hand():
    """Momentum 0.9: step 1 is w - lr (g + wd w); step 2 adds 0.9 times the first step's direction."""
    params = _start()
    opt = OPTIMIZERS.get("sgd").obj(params, LR, WEIGHT_DECAY, {"momentum": 0.9, "nesterov": False})
    w0 = params[0].detach().clone()
    g0 = 2 * torch.tensor([[1.0, 3.0, 0.2], [0.5, 5.0, 1.5]]) * w0 + 0.9 * w0**2
    steps = _two_steps(opt, params)
    d0 = g0 + WEIGHT_DECAY * w0
    w1 = w0 - LR * d0
    torch.testing.assert_close(steps[0][0], w1)
    g1 = 2 * torch.tensor([[1.0, 3.0, 0.2], [0.5, 5.0, 1.5]]) * w1 + 0.9 * w1**2
    torch.testing.assert_close(steps[1][0], w1 - LR * (0.9 * d0 + g1 + WEIGHT_DECAY * w1))


def test_adam_first_step_by_hand():
    """Adam's first step moves every weight by about lr against the sign of its gradient."""
    params = _start()
    w0 = params[0].detach().clone()
    steps = _two_steps(OPTIMIZERS.get("adam").obj(params, LR, 0.0, {"beta1": 0.9, "beta2": 0.999}), params)
    g0 = 2 * torch.tensor([[1.0, 3.0, 0.2], [0.5, 5.0, 1.5]]) * w0 + 0.9 * w0**2
    torch.testing.assert_close(steps[0][0], w0 - LR * torch.sign(g0), rtol=0, atol=1e-6)
