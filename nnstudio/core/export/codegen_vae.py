"""Exported code for a VAE: the loss (reconstruction + beta x KL) and the list of the model's Gaussian latents it reads.

The app binds its VAE loss to the model; a script's ``loss_fn(out, y)`` has no model, so the script keeps
the model's GaussianLatent layers in ``LATENTS`` (filled right after the model is built) and the loss takes
each one's KL term of the examples it just encoded.
"""

from __future__ import annotations

import re
from typing import Any

_RECON = {
    "squared": "(out.reshape(y.shape) - y) ** 2",
    "bce": 'F.binary_cross_entropy(out.reshape(y.shape).clamp(1e-6, 1 - 1e-6), y, reduction="none")',
}


def vae_loss_code(p: dict[str, Any]) -> str:
    return f'''BETA = {p["beta"]!r}  # weight of the KL term
LATENTS = []  # the model's GaussianLatent layers (filled when the model is built): the loss reads their KL


def loss_fn(out, y):
    """Reconstruction error per example (summed over its values) + BETA x KL(codes || standard normal)."""
    recon = ({_RECON[p["reconstruction"]]}).reshape(len(y), -1).sum(dim=1).mean()
    kl = sum(latent.take_kl(len(out)) for latent in LATENTS).mean()
    return recon + BETA * kl
'''


_BUILT = re.compile(r"^(?P<indent>[ \t]*)model = [^\n]*\(\)[^\n]*$", re.MULTILINE)


def with_latents(loop: str) -> str:
    """``loop`` with ``LATENTS`` filled right after the line that builds the model."""
    match = _BUILT.search(loop)
    if match is None:
        raise ValueError("no model construction line in the training loop")
    line = f"\n{match['indent']}LATENTS[:] = [m for m in model.modules() if isinstance(m, GaussianLatent)]"
    return loop[: match.end()] + line + loop[match.end() :]
