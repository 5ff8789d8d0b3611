"""What a VAE's decoder makes of its latent plane: images on a grid, a straight line between two examples'
codes, new samples from the prior, and (2-D data) where its samples land over the plane."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from nnstudio.core.arch.layers_vae import split_vae


def _parts(model: nn.Module) -> tuple[nn.Sequential, nn.Sequential]:
    parts = split_vae(model)
    if parts is None:
        raise ValueError("this network has no GaussianLatent layer, so it has no decoder to show")
    for part in parts:
        part.eval()
    return parts


@torch.no_grad()
def decode(model: nn.Module, z: np.ndarray) -> np.ndarray:
    """The decoder's outputs at latent points ``z`` (rows)."""
    return _parts(model)[1](torch.as_tensor(z, dtype=torch.float32)).numpy()


@torch.no_grad()
def encode(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """The mean codes of examples ``x``."""
    return _parts(model)[0](torch.as_tensor(x, dtype=torch.float32)).numpy()


def grid_points(n: int = 9, span: float = 2.5) -> np.ndarray:
    """An n x n grid over [-span, span]^2, row by row from the top (z2 largest) as an image grid reads."""
    ticks = np.linspace(-span, span, n, dtype=np.float32)
    return np.array([(a, b) for b in ticks[::-1] for a in ticks], dtype=np.float32)


def decoder_grid(model: nn.Module, n: int = 9, span: float = 2.5) -> tuple[np.ndarray, np.ndarray]:
    z = grid_points(n, span)
    return z, decode(model, z)


def interpolation(model: nn.Module, xa: np.ndarray, xb: np.ndarray, steps: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Codes on the straight line from example a's code to example b's, and what they decode to."""
    za, zb = encode(model, np.stack([xa, xb]))
    t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]
    z = (1 - t) * za + t * zb
    return z, decode(model, z)


def samples(model: nn.Module, n: int, latent_size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """New examples: codes drawn from the standard normal prior, decoded."""
    z = np.random.default_rng(seed).standard_normal((n, latent_size)).astype(np.float32)
    return z, decode(model, z)


def output_density(model: nn.Module, latent_size: int, extent: tuple[float, float, float, float],
                   bins: int = 60, n: int = 5000, seed: int = 0) -> np.ndarray:
    """For 2-D data: a bins x bins histogram (rows = x2 from the bottom) of decoded prior samples, summing to 1."""
    _, points = samples(model, n, latent_size, seed)
    x0, x1, y0, y1 = extent
    hist, _, _ = np.histogram2d(points[:, 1], points[:, 0], bins=bins, range=[[y0, y1], [x0, x1]])
    return hist / max(1.0, hist.sum())
