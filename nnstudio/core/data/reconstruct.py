"""Datasets whose target is the input itself, for autoencoders (the architecture editor's template)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.base.registry import DATASETS, Param
from nnstudio.core.data.bundle import REGRESSION, RawDataset


@DATASETS.register(
    "digits_reconstruct", title="Digits to reconstruct (autoencoder)", category="Real (scikit-learn)",
    help="""
The 8x8 handwritten digits, where the target is the image itself as 64 pixel values in [0, 1]. An autoencoder
squeezes each image through a narrow middle layer and learns to rebuild it: the middle layer becomes a compact
code for the digit. Judged by the reconstruction error (mean squared error), not by accuracy.""",
)
def digits_reconstruct(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[:, None, :, :]
    return RawDataset(
        x, x.reshape(len(x), -1).copy(), REGRESSION, [],
        [f"pixel {r},{c}" for r in range(8) for c in range(8)],
        "Handwritten digits as 1x8x8 images; the target is the same 64 pixels (reconstruction).",
        # The digit each image shows: the VAE's latent view colours its codes by it.
        meta={"image": True, "reconstruction": True, "classes": d.target.astype(np.int64),
              "class_names": [str(c) for c in range(10)]},
    )


@DATASETS.register(
    "moons_reconstruct", title="Two moons to reconstruct (2-D VAE)", category="2-D toys",
    params=(
        Param("n_samples", int, 1000, "How many points to generate.", 20, 100_000, label="Samples"),
        Param("noise", float, 0.08, "Standard deviation of the random jitter added to each point.", 0.0, 2.0),
    ),
    help="""
Points on two interleaving half moons, where the target is the point itself (x1, x2). A 2-D variational
autoencoder learns to draw new points like these: sample its latent plane, decode, and see where the
decoded points land (their density over the plane).""",
)
def moons_reconstruct(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    from sklearn.datasets import make_moons

    x, moon = make_moons(p["n_samples"], noise=p["noise"], random_state=seed)
    x = x.astype(np.float32)
    return RawDataset(
        x, x.copy(), REGRESSION, [], ["x1", "x2"], "Points on two half moons; the target is the point itself.",
        meta={"plane": True, "reconstruction": True, "classes": moon.astype(np.int64),
              "class_names": ["upper moon", "lower moon"]},
    )
