"""Every registered loss against numbers computed independently (torch.nn.functional's building blocks or
by hand) on fixed tensors, for its defaults and for every parameter moved off its default.

The reference table is keyed by registry name: a loss registered without a reference fails
``test_every_loss_has_a_reference``, and a parameter no case moves off its default fails
``test_every_loss_parameter_is_moved_off_its_default``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from nnstudio.core.arch.layers_vae import GaussianLatent
from nnstudio.core.base.registry import LOSSES
from nnstudio.core.data.bundle import CLASSIFICATION, REGRESSION
from nnstudio.core.generative.diffusion import DiffusionNoise, Schedule
from nnstudio.core.generative.diffusion_kinds import DiffusionLossFn

T = torch.float64

# Three examples, three classes. Errors are neither 0 nor 1 in size, so squared != absolute error, and the
# batch has more than one example, so a sum differs from a mean.
LOGITS = torch.tensor([[2.0, -1.0, 0.5], [0.2, 0.3, -2.5], [-1.2, 1.7, 0.4]], dtype=T)
LABELS = torch.tensor([0, 2, 1])
ONE_HOT = F.one_hot(LABELS, 3).to(T)
# Regression: errors 0.3, -1.5, 2.5, -0.2 (some inside, some outside Huber's delta of 1 and of 0.5).
PRED = torch.tensor([[1.3], [0.5], [4.0], [-0.7]], dtype=T)
TARGET = torch.tensor([1.0, 2.0, 1.5, -0.5], dtype=T)
BINARY_LOGITS = torch.tensor([[1.5], [-0.4], [0.8], [-2.0]], dtype=T)
BINARY_LABELS = torch.tensor([1, 1, 0, 0])


def _ce(out: torch.Tensor, y: torch.Tensor, eps: float = 0.0) -> float:
    """Cross-entropy with label smoothing, written out: (1 - eps) * nll + eps * mean over classes of -log p."""
    logp = out - torch.logsumexp(out, dim=1, keepdim=True)
    nll = -logp[torch.arange(len(y)), y]
    uniform = -logp.mean(dim=1)
    return float(((1 - eps) * nll + eps * uniform).mean())


def _huber(d: torch.Tensor, delta: float) -> float:
    a = d.abs()
    return float(torch.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta)).mean())


def _hinge(out: torch.Tensor, y: torch.Tensor, margin: float) -> float:
    """Multi-class hinge: per example, the sum over wrong classes of max(0, margin - x_y + x_j), over C."""
    n, c = out.shape
    total = 0.0
    for i in range(n):
        for j in range(c):
            if j != int(y[i]):
                total += max(0.0, margin - float(out[i, y[i]]) + float(out[i, j]))
    return total / c / n


def _kl(out: torch.Tensor, y: torch.Tensor, smoothing: float) -> float:
    """KL(target || model) = sum target * (log target - log model), averaged over the batch; 0 log 0 = 0."""
    n, c = out.shape
    target = torch.full((n, c), smoothing / (c - 1), dtype=T)
    target[torch.arange(n), y] = 1.0 - smoothing
    logp = torch.log_softmax(out, dim=1)
    return float((torch.xlogy(target, target) - target * logp).sum() / n)


def _bce(out: torch.Tensor, y: torch.Tensor) -> float:
    p = torch.sigmoid(out.reshape(-1))
    yf = y.to(T)
    return float(-(yf * torch.log(p) + (1 - yf) * torch.log(1 - p)).mean())


# The VAE loss adds the KL of its Gaussian latent layer: one fixed code (mean, log-variance, 2 numbers
# each) per regression example. KL by hand per example: 0.5 * sum(mean^2 + var - 1 - log var).
CODES = torch.tensor([[0.0, 0.0, 0.0, 0.0], [1.0, -2.0, math.log(4.0), math.log(0.25)],
                      [0.5, 0.25, -1.0, 0.5], [-0.3, 0.7, 0.2, -0.4]], dtype=T)
KL_MEAN = float(sum(0.5 * sum(m * m + math.exp(v) - 1 - v for m, v in zip(row[:2].tolist(), row[2:].tolist(), strict=True))
                    for row in CODES) / len(CODES))
PROBS = torch.tensor([[0.8], [0.3], [0.6], [0.1]], dtype=T)  # a decoder's sigmoid outputs, for the BCE reconstruction
PIXELS = torch.tensor([1.0, 0.0, 0.5, 0.0], dtype=T)


def _bce_sum(p: torch.Tensor, y: torch.Tensor) -> float:
    p = p.reshape(-1)
    return float((-(y * torch.log(p) + (1 - y) * torch.log(1 - p))).mean())


@dataclass(frozen=True)
class Case:
    params: dict[str, Any]
    task: str
    out: torch.Tensor
    y: torch.Tensor
    expected: Callable[[], float] | None = None  # the reference value; None when the loss must refuse
    problem: str = ""  # words of the refusal when expected is None
    n_outputs: int = 3
    num_classes: int = 3


C, R = CLASSIFICATION, REGRESSION
# Diffusion: the network's noise guesses for 4 points, and the noise the DiffusionNoise layer draws for them
# after seed 0 (a step per point, then the noise), drawn here independently of the layer.
GUESSES = torch.tensor([[0.5, -1.0], [2.0, 0.1], [-0.3, -0.6], [1.2, 0.9]], dtype=T)
POINTS = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.5], [0.3, -0.3]], dtype=T)


def _diffusion_noise() -> torch.Tensor:
    torch.manual_seed(0)
    torch.randint(0, Schedule().steps, (4,))
    return torch.randn(4, 2, dtype=T)


D = TARGET - PRED[:, 0]

REFERENCES: dict[str, list[Case]] = {
    "cross_entropy": [
        Case({}, C, LOGITS, LABELS, lambda: _ce(LOGITS, LABELS)),
        Case({"label_smoothing": 0.2}, C, LOGITS, LABELS, lambda: _ce(LOGITS, LABELS, 0.2)),
        # Hand-computed: equal scores give every class 1/3, so the loss is log 3 whatever the smoothing.
        Case({}, C, torch.zeros(2, 3, dtype=T), torch.tensor([0, 2]), lambda: math.log(3)),
    ],
    "bce": [
        Case({}, C, BINARY_LOGITS, BINARY_LABELS, lambda: _bce(BINARY_LOGITS, BINARY_LABELS), n_outputs=1, num_classes=2),
        Case({}, C, torch.zeros(2, 1, dtype=T), torch.tensor([0, 1]), lambda: math.log(2), n_outputs=1, num_classes=2),
    ],
    "mse": [
        Case({}, R, PRED, TARGET, lambda: float((D**2).mean())),
        # Hand-computed: errors 0.3, 1.5, 2.5, 0.2 -> (0.09 + 2.25 + 6.25 + 0.04) / 4
        Case({}, R, PRED, TARGET, lambda: 8.63 / 4),
        Case({}, C, LOGITS, LABELS, lambda: float(((LOGITS - ONE_HOT) ** 2).mean())),
        Case({"one_hot": False}, C, LOGITS, LABELS, problem="switch on one-hot targets"),
    ],
    "mae": [
        Case({}, R, PRED, TARGET, lambda: float(D.abs().mean())),
        Case({}, R, PRED, TARGET, lambda: 4.5 / 4),  # 0.3 + 1.5 + 2.5 + 0.2
        Case({}, C, LOGITS, LABELS, lambda: float((LOGITS - ONE_HOT).abs().mean())),
        Case({"one_hot": False}, C, LOGITS, LABELS, problem="switch on one-hot targets"),
    ],
    "huber": [
        Case({}, R, PRED, TARGET, lambda: _huber(D, 1.0)),
        # Hand-computed for delta 1: 0.5*0.09, 1*(1.5-0.5), 1*(2.5-0.5), 0.5*0.04 -> 3.065 / 4
        Case({}, R, PRED, TARGET, lambda: 3.065 / 4),
        Case({"delta": 0.5}, R, PRED, TARGET, lambda: _huber(D, 0.5)),
        Case({"delta": 3.0}, R, PRED, TARGET, lambda: float((0.5 * D**2).mean())),  # every error inside: half MSE
        Case({}, C, LOGITS, LABELS, lambda: _huber(LOGITS - ONE_HOT, 1.0)),
        Case({"one_hot": False}, C, LOGITS, LABELS, problem="switch on one-hot targets"),
    ],
    "log_cosh": [
        Case({}, R, PRED, TARGET, lambda: float(torch.log(torch.cosh(D)).mean())),
        Case({}, C, LOGITS, LABELS, lambda: float(torch.log(torch.cosh(LOGITS - ONE_HOT)).mean())),
        # Large errors: log cosh(d) -> |d| - log 2 without overflowing.
        Case({}, R, torch.tensor([[800.0], [-900.0]], dtype=T), torch.zeros(2, dtype=T), lambda: 850.0 - math.log(2)),
        Case({"one_hot": False}, C, LOGITS, LABELS, problem="switch on one-hot targets"),
    ],
    "hinge": [
        Case({}, C, LOGITS, LABELS, lambda: _hinge(LOGITS, LABELS, 1.0)),
        Case({"margin": 2.5}, C, LOGITS, LABELS, lambda: _hinge(LOGITS, LABELS, 2.5)),
        # Hand-computed: true class ahead by 2 and 3 -> zero at margin 1.
        Case({}, C, torch.tensor([[3.0, 1.0, 0.0]], dtype=T), torch.tensor([0]), lambda: 0.0),
    ],
    "kl_div": [
        Case({}, C, LOGITS, LABELS, lambda: _kl(LOGITS, LABELS, 0.1)),
        Case({"smoothing": 0.3}, C, LOGITS, LABELS, lambda: _kl(LOGITS, LABELS, 0.3)),
        # Smoothing 0: KL(one-hot || model) is exactly the cross-entropy.
        Case({"smoothing": 0.0}, C, LOGITS, LABELS, lambda: _ce(LOGITS, LABELS)),
    ],
    "vae": [
        # Reconstruction per example (summed over its one value), averaged, + beta x the mean KL
        Case({}, R, PRED, TARGET, lambda: float((D**2).mean()) + KL_MEAN),
        Case({}, R, PRED, TARGET, lambda: 8.63 / 4 + KL_MEAN),
        Case({"beta": 0.25}, R, PRED, TARGET, lambda: float((D**2).mean()) + 0.25 * KL_MEAN),
        Case({}, R, PROBS, PIXELS, lambda: float(((PROBS[:, 0] - PIXELS) ** 2).mean()) + KL_MEAN),
        Case({"reconstruction": "bce"}, R, PROBS, PIXELS, lambda: _bce_sum(PROBS, PIXELS) + KL_MEAN),
        Case({}, C, LOGITS, LABELS, problem="classification task"),
    ],
    "diffusion": [  # the mean squared error to the drawn noise; the targets (the points) are not used
        Case({}, R, GUESSES, POINTS, lambda: float(((GUESSES - _diffusion_noise()) ** 2).mean()), n_outputs=2),
        Case({}, R, PRED, TARGET, problem="the network ends with 3 outputs; end with Linear(2)", n_outputs=3),
    ],
}


def _loss(name: str, case: Case) -> float:
    entry = LOSSES.get(name)
    params = entry.validate(case.params, "loss_params")
    assert entry.obj.problem(params, case.task, case.n_outputs, case.num_classes) is None
    fn = entry.obj.make(params, case.task, case.num_classes)
    if isinstance(fn, DiffusionLossFn):  # compares with the noise its model's DiffusionNoise layer draws (seed 0)
        layer = DiffusionNoise(Schedule(), 2)
        fn.bind(torch.nn.Sequential(layer))
        torch.manual_seed(0)
        layer(case.y)
    elif hasattr(fn, "bind"):  # the VAE loss reads the KL of its model's Gaussian latent: the fixed CODES
        latent = GaussianLatent(2).eval()
        fn.bind(torch.nn.Sequential(latent))
        latent(CODES[: len(case.y)])
    return float(fn(case.out.clone(), case.y.clone()))


def test_every_loss_has_a_reference():
    assert set(REFERENCES) == set(LOSSES.names())


def test_every_loss_parameter_is_moved_off_its_default():
    """A loss that ignored a parameter (and used its default) would still pass unless some case changes it."""
    for entry in LOSSES:
        for param in entry.params:
            moved = [c for c in REFERENCES[entry.name] if c.params.get(param.name, param.default) != param.default]
            assert moved, f"{entry.name}.{param.name} is never set off its default"


@pytest.mark.parametrize("name", LOSSES.names())
def test_loss_matches_reference(name):
    entry = LOSSES.get(name)
    for i, case in enumerate(REFERENCES[name]):
        params = entry.validate(case.params, "loss_params")
        if case.expected is None:
            problem = entry.obj.problem(params, case.task, case.n_outputs, case.num_classes)
            assert problem is not None and case.problem in problem, f"{name} case {i} {case.params}: {problem}"
            continue
        value, expected = _loss(name, case), case.expected()
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-12), f"{name} case {i} {case.params}: {value} != {expected}"


@pytest.mark.parametrize("name", LOSSES.names())
def test_moving_a_parameter_changes_the_value(name):
    """Each non-default case gives a different number from the same tensors at the defaults: a loss that
    ignored the parameter could not match both references."""
    cases = REFERENCES[name]
    for case in cases:
        if not case.params or case.expected is None:
            continue
        base = next(c for c in cases if not c.params and c.out is case.out and c.y is case.y and c.task == case.task)
        assert abs(_loss(name, case) - _loss(name, base)) > 1e-3, case.params


def test_the_checks_above_tell_sum_from_mean_and_squared_from_absolute():
    """The fixed tensors are chosen so the classic slips give other numbers."""
    assert float(F.cross_entropy(LOGITS, LABELS, reduction="sum")) != pytest.approx(_ce(LOGITS, LABELS))
    assert float(F.l1_loss(PRED[:, 0], TARGET)) != pytest.approx(float(F.mse_loss(PRED[:, 0], TARGET)))
    assert float(F.kl_div(torch.log(ONE_HOT * 0.8 + 0.2 / 3), F.softmax(LOGITS, 1), reduction="batchmean")) != (
        pytest.approx(_kl(LOGITS, LABELS, 0.2))
    )


def test_label_smoothing_spreads_over_every_class_as_its_help_says():
    """Smoothing 0.3 over 3 classes: the target is 0.1 for each class plus 0.7 for the true one (not 0.15 for
    each wrong class, which "over the wrong classes" would mean, and which KL's smoothing does)."""
    eps, c = 0.3, 3
    fn = LOSSES.get("cross_entropy").obj.make({"label_smoothing": eps}, CLASSIFICATION, c)
    logp = torch.log_softmax(LOGITS, dim=1)
    every = torch.full_like(LOGITS, eps / c)
    every[torch.arange(3), LABELS] += 1 - eps
    wrong_only = torch.full_like(LOGITS, eps / (c - 1))
    wrong_only[torch.arange(3), LABELS] = 1 - eps
    assert float(fn(LOGITS, LABELS)) == pytest.approx(float(-(every * logp).sum(1).mean()))
    assert float(fn(LOGITS, LABELS)) != pytest.approx(float(-(wrong_only * logp).sum(1).mean()))
    words = LOSSES.get("cross_entropy").param("label_smoothing").help
    assert "evenly over every class" in words and "wrong classes" not in words


def test_regression_loss_reads_a_column_of_outputs_against_a_flat_target():
    """(N, 1) outputs against (N,) targets: broadcasting them to (N, N) would give a different MSE."""
    fn = LOSSES.get("mse").obj.make({"one_hot": True}, REGRESSION, 0)
    broadcast = float(((PRED - TARGET) ** 2).mean())
    assert float(fn(PRED, TARGET)) == pytest.approx(float((D**2).mean()))
    assert float(fn(PRED, TARGET)) != pytest.approx(broadcast)
