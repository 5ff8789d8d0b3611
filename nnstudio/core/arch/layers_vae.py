"""The Gaussian latent layer of a variational autoencoder, and how to cut a VAE into encoder and decoder.

The layer splits its input into a mean and a log-variance half. While training it samples
``z = mean + exp(logvar / 2) * noise`` (the reparameterisation trick: the noise is an input, so gradients
flow through the mean and variance); when evaluating it returns the mean, so predictions are repeatable.
Each forward keeps its (mean, log-variance) for the VAE loss, which takes them to add the KL term.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from nnstudio.core.arch.layers import LayerKind, LayerProblem, Shape
from nnstudio.core.base.errors import format_shape
from nnstudio.core.base.registry import LAYERS


class GaussianLatent(nn.Module):
    """Input ``2 * size`` numbers (mean, then log-variance); output ``size`` numbers: a sample, or the mean in eval mode."""

    max_pending = 64  # forwards no loss took (views, predictions) are forgotten beyond this many

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size
        self.pending: list[tuple[torch.Tensor, torch.Tensor]] = []  # (mean, logvar) per forward, newest last

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean, logvar = x[:, : self.size], x[:, self.size :]
        if len(self.pending) >= self.max_pending:
            del self.pending[0]
        self.pending.append((mean, logvar))
        if not self.training:
            return mean
        return mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)

    def take_kl(self, rows: int) -> torch.Tensor:
        """Per-example KL(N(mean, var) || N(0, 1)) of the last forwards covering ``rows`` examples; forgets all kept."""
        taken, count = [], 0
        for mean, logvar in reversed(self.pending):
            if count >= rows:
                break
            taken.append((mean, logvar))
            count += len(mean)
        self.pending = []
        if count != rows:
            raise RuntimeError(f"the Gaussian latent saw {count} examples but the loss got {rows}")
        return self.kl(torch.cat([m for m, _ in reversed(taken)]), torch.cat([v for _, v in reversed(taken)]))

    @staticmethod
    def kl(mean: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """KL(N(mean, exp(logvar)) || N(0, 1)) per example, in closed form, summed over the latent numbers."""
        return 0.5 * torch.sum(mean**2 + torch.exp(logvar) - 1.0 - logvar, dim=1)

    def __getstate__(self) -> dict:
        # A copied model starts with nothing pending (tensors inside a graph cannot be deep-copied).
        state = dict(self.__dict__)
        state["pending"] = []
        return state

    def constructor_args(self) -> str:
        return repr(self.size)


@LAYERS.register(
    "gaussian_latent",
    title="GaussianLatent",
    category="Generative",
    help="""
The middle of a variational autoencoder (VAE). Its input is read as two halves: a mean and a log-variance
for each latent number. While training it draws a random point from that Gaussian (mean + spread x noise),
so nearby points in the latent space must decode to similar outputs; when evaluating it uses the mean, so
results repeat. Put a Linear with twice the latent size before it, train with the VAE loss (it adds the
KL term that keeps the codes near a standard normal), and the layers after it become a decoder you can
sample from. Weakness: reconstructions are blurrier than a plain autoencoder's.""",
)
class GaussianLatentKind(LayerKind):
    @staticmethod
    def out_shape(p: dict[str, Any], shape: Shape) -> Shape:
        if len(shape) != 1 or shape[0] % 2:
            raise LayerProblem(
                f"reads a mean and a log-variance half (an even number of features) but receives {format_shape(shape)}; "
                "put a Linear layer with twice the latent size (for example 4 for a 2-D latent) before it"
            )
        return (shape[0] // 2,)

    @staticmethod
    def build(p: dict[str, Any], shape: Shape) -> nn.Module:
        return GaussianLatent(shape[0] // 2)

    @staticmethod
    def summary(p: dict[str, Any]) -> str:
        return "mean, log-var → sample"


def latents(model: nn.Module) -> list[GaussianLatent]:
    return [m for m in model.modules() if isinstance(m, GaussianLatent)]


def split_vae(model: nn.Module) -> tuple[nn.Sequential, nn.Sequential] | None:
    """(encoder up to and including the Gaussian latent, decoder after it), or None if ``model`` is no VAE."""
    children = list(model.children()) if isinstance(model, nn.Sequential) else []
    at = [i for i, child in enumerate(children) if isinstance(child, GaussianLatent)]
    if not at:
        return None
    return nn.Sequential(*children[: at[0] + 1]), nn.Sequential(*children[at[0] + 1 :])
