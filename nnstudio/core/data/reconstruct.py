"""Datasets whose target is the input itself, for autoencoders (the architecture editor's template)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.base.registry import DATASETS
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
        meta={"image": True, "reconstruction": True},
    )
