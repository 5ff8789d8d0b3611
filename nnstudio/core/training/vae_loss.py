"""The VAE loss: reconstruction error plus beta times the KL term of the network's Gaussian latent layer(s).

Both terms are per example (summed over the pixels, and over the latent numbers), averaged over the batch,
so beta 1 is the textbook ELBO with a unit-variance Gaussian decoder (up to constants). The trainer binds the
loss to its model (``bind``) and adds the two terms of each epoch to the history (``epoch_terms``):
``train_recon``, ``train_kl``, ``val_recon``, ``val_kl``, which the Training tab plots beside the loss.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from nnstudio.core.arch.layers_vae import latents
from nnstudio.core.base.errors import TrainingError
from nnstudio.core.base.registry import LOSSES, Param
from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.training.losses import LossKind

TERMS = {"recon": "reconstruction", "kl": "KL"}  # history suffix -> what the curve is called


def reconstruction(out: torch.Tensor, y: torch.Tensor, kind: str) -> torch.Tensor:
    """Per-example reconstruction error, summed over the values of each example."""
    out = out.reshape(y.shape)
    if kind == "bce":  # the decoder's outputs are probabilities (it ends in a sigmoid)
        err = F.binary_cross_entropy(out.clamp(1e-6, 1 - 1e-6), y, reduction="none")
    else:
        err = (out - y) ** 2
    return err.reshape(len(y), -1).sum(dim=1)


class VAELossFn:
    """Callable like every loss (outputs, targets); reads the KL from the latent layers of the bound model."""

    def __init__(self, beta: float, kind: str) -> None:
        self.beta = beta
        self.kind = kind
        self._latents: list[Any] = []
        self._train = torch.zeros(3)  # recon sum, kl sum, examples: this epoch's training batches
        self._eval: dict[str, float] = {}

    def bind(self, model: nn.Module) -> None:
        self._latents = latents(model)
        if not self._latents:
            raise TrainingError(
                "The VAE loss needs a GaussianLatent layer in the network (it adds that layer's KL term); "
                "add one after a Linear with twice the latent size, or pick another loss"
            )

    def __call__(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        recon = reconstruction(out, y, self.kind).mean()
        kl = sum(latent.take_kl(len(out)) for latent in self._latents).mean()
        if torch.is_grad_enabled():  # a training batch
            self._train += torch.stack([recon.detach().cpu() * len(y), kl.detach().cpu() * len(y), torch.tensor(float(len(y)))])
        else:  # an evaluation (the validation split after each epoch)
            self._eval = {"recon": float(recon), "kl": float(kl)}
        return recon + self.beta * kl

    def start_epoch(self) -> None:
        """Forget the training sums: an epoch stopped (or diverged) half-way left its batches in them."""
        self._train = torch.zeros(3)

    def epoch_terms(self) -> dict[str, float]:
        """The epoch's terms for the history; starts the next epoch's training sums afresh."""
        recon, kl, n = (float(v) for v in self._train)
        self.start_epoch()
        terms = {"train_recon": recon / n, "train_kl": kl / n} if n else {}
        terms.update({f"val_{k}": v for k, v in self._eval.items()})
        return terms


@LOSSES.register(
    "vae", title="VAE (reconstruction + β·KL)", category="Generative",
    params=(
        Param("beta", float, 1.0, "Weight of the KL term. 0: a plain autoencoder with noise; above 1: a smoother, "
              "more regular latent space and blurrier reconstructions.", 0.0, 100.0, label="β (KL weight)"),
        Param("reconstruction", str, "squared", "How the rebuilt example is compared with the original: squared "
              "error, or binary cross-entropy (the decoder must end in a sigmoid).", choices=("squared", "bce")),
    ),
    help="""
The variational autoencoder's loss: how badly each example is rebuilt (summed over its values) plus beta
times the KL divergence between the codes the Gaussian latent layer draws from and a standard normal.
The KL term pulls every code towards the centre and keeps its spread near 1, so the latent plane has no
holes and any point in it decodes to something plausible. Needs a GaussianLatent layer in the network and a
dataset whose target is the input (a 'to reconstruct' dataset). Both terms are plotted while training.""",
)
class VAELoss(LossKind):
    @staticmethod
    def problem(p: dict[str, Any], task: str, n_outputs: int, num_classes: int) -> str | None:
        if task == CLASSIFICATION:
            return ("The VAE loss rebuilds the input, but this dataset is a classification task; pick a dataset "
                    "'to reconstruct' (the target is the input itself)")
        return None

    @staticmethod
    def make(p: dict[str, Any], task: str, num_classes: int) -> VAELossFn:
        return VAELossFn(p["beta"], p["reconstruction"])


def loss_terms(metrics: dict[str, float]) -> list[tuple[str, float]]:
    """(curve name, value) for every VAE term among an epoch's metrics, as the Training tab's loss plot names them."""
    out = []
    for prefix, split in (("train", "train"), ("val", "validation")):
        for key, title in TERMS.items():
            if f"{prefix}_{key}" in metrics:
                out.append((f"{split} {title}", metrics[f"{prefix}_{key}"]))
    return out
