"""What a VAE's decoder makes of its latent plane: images on a grid, a straight line between two examples'
codes, new samples from the prior, and (2-D data) where its samples land over the plane. A plain autoencoder
with a code of two numbers is cut the same way (``split_autoencoder``), so its decoder can be asked what it
draws at any point of the code plane."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from nnstudio.core.arch.layers_vae import split_vae


def latent_layer(model: nn.Module, x: torch.Tensor) -> int:
    """The position of the network's bottleneck among its children: the narrowest layer output (the last of
    equals, so an activation right after the narrow linear layer counts as the code)."""
    widths, h = [], x
    with torch.no_grad():
        for layer in model.children():
            h = layer(h)
            widths.append(h[0].numel())
    narrowest = min(widths)
    return max(i for i, w in enumerate(widths) if w == narrowest)


def split_autoencoder(model: nn.Module, example: torch.Tensor, size: int = 2) -> tuple[nn.Sequential, nn.Sequential] | None:
    """(encoder up to and including the bottleneck, decoder after it) of a plain autoencoder whose code is
    ``size`` numbers wide, as split_vae cuts a VAE; None for any other network. An autoencoder here is a
    sequential network whose output has as many numbers as its input (``example``: one or more inputs)."""
    children = list(model.children()) if isinstance(model, nn.Sequential) else []
    if len(children) < 2 or split_vae(model) is not None:
        return None
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(example[:1])
        at = latent_layer(model, example[:1])
    finally:
        model.train(was_training)
    if out[0].numel() != example[0].numel() or at == len(children) - 1:
        return None
    encoder = nn.Sequential(*children[: at + 1])
    with torch.no_grad():
        if encoder.eval()(example[:1])[0].numel() != size:
            return None
    return encoder, nn.Sequential(*children[at + 1 :])


@torch.no_grad()
def run_part(part: nn.Module, values: np.ndarray) -> np.ndarray:
    """One half of a split network (encoder or decoder) on ``values`` (rows), in eval mode."""
    part.eval()
    out = part(torch.as_tensor(np.asarray(values), dtype=torch.float32))
    return out.reshape(len(out), -1).numpy()


def _parts(model: nn.Module) -> tuple[nn.Sequential, nn.Sequential]:
    parts = split_vae(model)
    if parts is None:
        raise ValueError("this network has no GaussianLatent layer, so it has no decoder to show")
    for part in parts:
        part.eval()
    return parts


def decode(model: nn.Module, z: np.ndarray) -> np.ndarray:
    """The decoder's outputs at latent points ``z`` (rows)."""
    return run_part(_parts(model)[1], z)


def encode(model: nn.Module, x: np.ndarray) -> np.ndarray:
    """The mean codes of examples ``x``."""
    return run_part(_parts(model)[0], x)


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
