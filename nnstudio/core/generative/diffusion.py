"""A denoising diffusion model (DDPM) on 2-D points: the noise schedule, the forward process, the sampler.

The forward process q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I), with abar_t the running product of
(1 - beta_s) over a linear beta schedule, turns the data cloud into a standard normal in ``steps`` steps.
The network learns to predict the noise that was added; the reverse sampler walks from pure noise back
onto the data one step at a time (Ho et al. 2020, algorithm 2).

Training runs through the ordinary engine: the network's first layer, ``diffusion_noise``
(:mod:`nnstudio.core.generative.diffusion_kinds`), draws a fresh step and fresh noise for every batch and
hands the MLP after it the noisy point plus a sinusoidal embedding of the step; the ``diffusion`` loss compares
the MLP's output with the noise that layer drew. So a diffusion project is a plain Linear/ReLU stack
behind one extra layer, with the Training tab, the CLI and the project file unchanged.

The figure is the energy distance (:func:`nnstudio.core.generative.coverage.energy_distance`: 0 for equal
distributions) between the samples and the data, beside that of the noise the samples started from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from nnstudio.core.generative.coverage import energy_distance


@dataclass(frozen=True)
class Schedule:
    """A linear beta schedule over ``steps`` noise steps (step t = 0 .. steps-1 adds beta[t] of noise)."""

    steps: int = 50
    beta_start: float = 1e-3
    beta_end: float = 0.2

    @property
    def betas(self) -> torch.Tensor:
        return torch.linspace(self.beta_start, self.beta_end, self.steps, dtype=torch.float64)

    @property
    def alpha_bars(self) -> torch.Tensor:
        """abar_t = prod_{s<=t} (1 - beta_s): how much of the data is left after step t."""
        return torch.cumprod(1.0 - self.betas, dim=0)

    def closed_form(self, t: int) -> tuple[float, float]:
        """(scale of x_0, standard deviation of the noise) of q(x_t | x_0)."""
        abar = float(self.alpha_bars[t])
        return math.sqrt(abar), math.sqrt(1.0 - abar)


def q_sample(schedule: Schedule, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
    """x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) noise, per row (``t`` holds one step per row)."""
    abar = schedule.alpha_bars.to(x0.dtype)[t].unsqueeze(1)
    return abar.sqrt() * x0 + (1.0 - abar).sqrt() * noise


def forward_cloud(schedule: Schedule, x0: torch.Tensor, t: int, seed: int = 0) -> torch.Tensor:
    """The whole cloud at step ``t`` (t = -1: the data itself), with a fixed seed: what the slider shows."""
    if t < 0:
        return x0.clone()
    noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(seed + t), dtype=x0.dtype)
    return q_sample(schedule, x0, torch.full((len(x0),), t, dtype=torch.long), noise)


def time_features(t: torch.Tensor, steps: int, size: int) -> torch.Tensor:
    """A sinusoidal embedding of the step: sin/cos of t/steps at ``size // 2`` doubling frequencies."""
    phase = (t.float() / steps).unsqueeze(1) * math.pi * 2.0 ** torch.arange(size // 2, dtype=torch.float32)
    return torch.cat([torch.sin(phase), torch.cos(phase)], dim=1)


class DiffusionNoise(nn.Module):
    """Input a clean point x_0; output [x_t, embedding of t] for a random step t, keeping the noise it drew."""

    def __init__(self, schedule: Schedule, size: int) -> None:
        super().__init__()
        self.schedule = schedule
        self.size = size
        self.noise: torch.Tensor | None = None  # the last forward's noise: the loss's target
        self.last_t: torch.Tensor | None = None  # and its steps (tests and views read them)

    def features(self, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return torch.cat([x_t, time_features(t, self.schedule.steps, self.size).to(x_t)], dim=1)

    def forward(self, x0: torch.Tensor) -> torch.Tensor:
        t = self.last_t = torch.randint(0, self.schedule.steps, (len(x0),), device=x0.device)
        self.noise = torch.randn_like(x0)
        return self.features(q_sample(self.schedule, x0, t, self.noise), t)

    def take_noise(self, rows: int) -> torch.Tensor:
        noise, self.noise = self.noise, None
        if noise is None or len(noise) != rows:
            raise RuntimeError("the diffusion loss got outputs that did not come from the diffusion_noise layer's last forward")
        return noise

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["noise"] = state["last_t"] = None  # a copied model starts with nothing pending
        return state

    def constructor_args(self) -> str:
        s = self.schedule
        return f"Schedule({s.steps}, {s.beta_start!r}, {s.beta_end!r}), {self.size}"


def split_diffusion(model: nn.Module) -> tuple[nn.Module, nn.Sequential] | None:
    """(the noising layer, the denoiser after it), or None if ``model`` is no diffusion network."""
    children = list(model.children()) if isinstance(model, nn.Sequential) else []
    if not children or not isinstance(children[0], DiffusionNoise):
        return None
    return children[0], nn.Sequential(*children[1:])


@torch.no_grad()
def predict_noise(model: nn.Module, x_t: torch.Tensor, t: int) -> torch.Tensor:
    """The trained network's guess of the noise in ``x_t`` at step ``t``."""
    split = split_diffusion(model)
    if split is None:
        raise ValueError("not a diffusion network (its first layer is no diffusion_noise layer)")
    noiser, denoiser = split
    return denoiser(noiser.features(x_t, torch.full((len(x_t),), t, dtype=torch.long)))


@torch.no_grad()
def sample(model: nn.Module, n: int, seed: int = 0) -> torch.Tensor:
    """The reverse walk: (steps + 1, n, 2) points, row 0 pure noise, the last row the samples."""
    split = split_diffusion(model)
    if split is None:
        raise ValueError("not a diffusion network (its first layer is no diffusion_noise layer)")
    noiser, _ = split
    was_training = model.training
    model.eval()
    sched: Schedule = noiser.schedule
    betas, abars = sched.betas.float(), sched.alpha_bars.float()
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn((n, 2), generator=gen)
    walk = [x]
    for t in reversed(range(sched.steps)):
        eps = predict_noise(model, x, t)
        x = (x - betas[t] / (1.0 - abars[t]).sqrt() * eps) / (1.0 - betas[t]).sqrt()
        if t > 0:  # sigma_t^2 = beta_t; no noise is added on the last step
            x = x + betas[t].sqrt() * torch.randn(x.shape, generator=gen)
        walk.append(x)
    model.train(was_training)
    return torch.stack(walk)


def diffusion_figures(model: nn.Module, data: torch.Tensor, n: int = 500, seed: int = 0) -> dict[str, float]:
    """Energy distance of ``n`` samples to ``data`` and of the noise they started from; {} for other networks."""
    if split_diffusion(model) is None:
        return {}
    walk = sample(model, n, seed)
    start, end = energy_distance(walk[0], data), energy_distance(walk[-1], data)
    return {"sample_distance": end, "noise_distance": start, "samples": float(n)}
