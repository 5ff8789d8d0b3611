"""A VAE's figures per split, for ``nnstudio evaluate --json``: reconstruction error and KL term (eval mode: the mean code)."""

from __future__ import annotations

import torch
from torch import nn

from nnstudio.core.arch.layers_vae import latents
from nnstudio.core.data.bundle import DataBundle
from nnstudio.core.training.vae_loss import reconstruction

CHUNK = 2048


@torch.no_grad()
def vae_figures(model: nn.Module, bundle: DataBundle) -> dict[str, dict[str, float]]:
    """{split: {reconstruction_error (per example, summed over its values), reconstruction_mse (per value), kl}};
    empty when ``model`` has no Gaussian latent layer."""
    found = latents(model)
    if not found:
        return {}
    was_training = model.training
    model.eval()
    out: dict[str, dict[str, float]] = {}
    try:
        for name, split in bundle.splits().items():
            if not len(split):
                continue
            sse, kl = [], []
            for i in range(0, len(split), CHUNK):
                x, y = split.x[i : i + CHUNK], split.y[i : i + CHUNK]
                rebuilt = model(x)
                sse.append(reconstruction(rebuilt, y, "squared"))
                kl.append(sum(layer.take_kl(len(x)) for layer in found))
            per_example = torch.cat(sse)
            out[name] = {
                "reconstruction_error": float(per_example.mean()),
                "reconstruction_mse": float(per_example.mean() / split.y[0].numel()),
                "kl": float(torch.cat(kl).mean()),
            }
    finally:
        model.train(was_training)
    return out
