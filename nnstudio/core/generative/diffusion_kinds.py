"""The registry entries a diffusion project is made of: the ``diffusion_noise`` layer, the ``diffusion`` loss
and the ``spiral_points`` dataset (see :mod:`nnstudio.core.generative.diffusion` for the model itself)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nnstudio.core.arch.layers import LayerKind, LayerProblem, Shape
from nnstudio.core.base.errors import TrainingError, format_shape
from nnstudio.core.base.registry import DATASETS, LAYERS, LOSSES, Param
from nnstudio.core.data.bundle import REGRESSION, RawDataset
from nnstudio.core.generative.diffusion import DiffusionNoise, Schedule
from nnstudio.core.training.losses import LossKind


def schedule_of(p: dict[str, Any]) -> Schedule:
    return Schedule(p["steps"], p["beta_start"], p["beta_end"])


@LAYERS.register(
    "diffusion_noise", title="DiffusionNoise", category="Generative",
    params=(
        Param("steps", int, 50, "How many noise steps take the data to pure noise.", 2, 1000, label="Noise steps"),
        Param("beta_start", float, 0.001, "Noise added by the first step (the variance beta_1).", 1e-6, 0.5, label="β first"),
        Param("beta_end", float, 0.2, "Noise added by the last step (beta_T); the betas grow linearly between.", 1e-5, 0.9,
              label="β last"),
        Param("time_features", int, 16, "Size of the sinusoidal embedding of the step handed on beside the point.", 2, 256,
              label="Step features"),
    ),
    help="""
The first layer of a denoising diffusion model on 2-D points. For every example it picks a random noise step t,
mixes the point with Gaussian noise as the forward process would after t steps (the further along, the less
of the point is left), and passes on the noisy point plus a set of sine/cosine features that tell the next
layers which step it is. Train with the diffusion loss: the layers after it learn to guess the noise that was
added, which is what the reverse sampler needs to walk from pure noise back onto the data.""",
)
class DiffusionNoiseKind(LayerKind):
    @staticmethod
    def out_shape(p: dict[str, Any], shape: Shape) -> Shape:
        if tuple(shape) != (2,):
            raise LayerProblem(f"noises 2-D points but receives {format_shape(shape)}; use a dataset of points in the plane")
        if p["beta_end"] < p["beta_start"]:
            raise LayerProblem(f"β last ({p['beta_end']:g}) is below β first ({p['beta_start']:g}); the noise must grow")
        return (2 + 2 * (p["time_features"] // 2),)

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return DiffusionNoise(schedule_of(p), p["time_features"])

    @staticmethod
    def summary(p: dict[str, Any]) -> str:
        return f"{p['steps']} steps, β {p['beta_start']:g}→{p['beta_end']:g}"


class DiffusionLossFn:
    """Mean squared error between the network's output and the noise its diffusion_noise layer drew."""

    ignores_targets = True  # the dataset's targets are unused: no "no better than the mean" verdict on them

    def __init__(self) -> None:
        self._layer: DiffusionNoise | None = None

    def bind(self, model: nn.Module) -> None:
        found = [m for m in model.modules() if isinstance(m, DiffusionNoise)]
        if not found:
            raise TrainingError("The diffusion loss needs a DiffusionNoise layer first in the network; add one or pick another loss")
        self._layer = found[0]

    def __call__(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        assert self._layer is not None, "bind() the loss to its model first"
        return F.mse_loss(out, self._layer.take_noise(len(out)))


@LOSSES.register(
    "diffusion", title="Diffusion (predict the noise)", category="Generative",
    help="""
The denoising diffusion loss: the squared error between the noise the DiffusionNoise layer mixed into each
point and the network's guess of it. The dataset's targets are not used. Needs a DiffusionNoise layer first
and a network that ends with 2 outputs (the noise in x1 and x2).""",
)
class DiffusionLoss(LossKind):
    @staticmethod
    def problem(p: dict[str, Any], task: str, n_outputs: int, num_classes: int) -> str | None:
        if n_outputs != 2:
            return f"The diffusion loss guesses the 2-D noise, but the network ends with {n_outputs} outputs; end with Linear(2)"
        return None

    @staticmethod
    def make(p: dict[str, Any], task: str, num_classes: int) -> DiffusionLossFn:
        return DiffusionLossFn()


@DATASETS.register(
    "spiral_points", title="A spiral of points (diffusion)", category="2-D toys",
    params=(
        Param("n_samples", int, 1000, "How many points to generate.", 20, 100_000, label="Samples"),
        Param("turns", float, 1.5, "How many times the spiral winds round.", 0.25, 5.0),
        Param("noise", float, 0.04, "Standard deviation of the jitter around the spiral's line.", 0.0, 1.0),
    ),
    help="""
Points along one spiral arm, scaled to about unit size; the target is the point itself. The cloud a 2-D
diffusion model learns to draw: noise it step by step into a round blob, then walk samples back onto it.""",
)
def spiral_points(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    rng = np.random.default_rng(seed)
    s = np.sqrt(rng.uniform(0.05, 1.0, p["n_samples"]))  # even density along the arm
    angle = 2 * np.pi * p["turns"] * s
    x = 1.5 * np.stack([s * np.cos(angle), s * np.sin(angle)], axis=1) + rng.normal(0, p["noise"], (len(s), 2))
    x = x.astype(np.float32)
    return RawDataset(x, x.copy(), REGRESSION, [], ["x1", "x2"], f"A spiral of {p['turns']:g} turns; the target is the point.",
                      meta={"plane": True})
