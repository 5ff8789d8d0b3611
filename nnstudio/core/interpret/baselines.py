"""Reference inputs: what "absent" means for Integrated Gradients and the perturbation methods."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from nnstudio.core.interpret.control import AttributionError
from nnstudio.core.interpret.subject import Subject

BASELINES = ("zeros", "blurred", "mean")
BASELINE_HELP = (
    "What a removed input is replaced with: zeros (black image / all features 0 after preprocessing), "
    "blurred (this image heavily blurred: shapes gone, colours kept; images only) or mean "
    "(the average training example)."
)


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur a (batch, channels, height, width) tensor with a separable Gaussian, edges replicated."""
    radius = max(1, math.ceil(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=x.dtype)
    kernel = torch.exp(-(t**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    channels = x.shape[1]
    padded = F.pad(x, (radius, radius, radius, radius), mode="replicate")
    horizontal = F.conv2d(padded, kernel.view(1, 1, 1, -1).repeat(channels, 1, 1, 1), groups=channels)
    return F.conv2d(horizontal, kernel.view(1, 1, -1, 1).repeat(channels, 1, 1, 1), groups=channels)


def make_baseline(kind: str, x: torch.Tensor, subject: Subject) -> torch.Tensor:
    """The baseline for a batch ``x`` of one example, shaped like it."""
    if kind == "zeros":
        return torch.zeros_like(x)
    if kind == "mean":
        if subject.train_mean is None:
            raise AttributionError("The training mean is not known for this data; choose the zeros baseline")
        return torch.as_tensor(np.asarray(subject.train_mean), dtype=x.dtype).reshape(x.shape[1:]).unsqueeze(0).expand_as(x).clone()
    if kind == "blurred":
        if x.ndim != 4:
            raise AttributionError("A blurred baseline needs an image; for this input choose zeros or mean")
        sigma = max(x.shape[-2:]) / 6.0
        return gaussian_blur(x, sigma)
    raise AttributionError(f"Unknown baseline {kind!r}; choose one of {', '.join(BASELINES)}")
