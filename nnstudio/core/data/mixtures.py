"""Mixtures of Gaussian modes in the plane: the data a GAN learns to imitate, with each point's mode as
its label, so that mode collapse can be measured (see :mod:`nnstudio.core.generative.coverage`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.base.registry import DATASETS, Param
from nnstudio.core.data.bundle import CLASSIFICATION, RawDataset


def ring_centres(modes: int, radius: float) -> np.ndarray:
    """``modes`` points evenly spaced on a circle of ``radius`` (the first on the positive x1 axis)."""
    angle = 2 * np.pi * np.arange(modes) / modes
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)


@DATASETS.register(
    "gaussian_ring", title="Gaussian modes on a ring (GAN)", category="2-D toys",
    params=(
        Param("n_samples", int, 1000, "How many points to generate.", 20, 100_000, label="Samples"),
        Param("modes", int, 8, "How many Gaussian modes sit on the ring.", 2, 24),
        Param("radius", float, 2.0, "Radius of the ring the modes sit on.", 0.5, 10.0),
        Param("spread", float, 0.05, "Standard deviation of each mode.", 0.005, 2.0),
    ),
    help="""
Small round Gaussian clusters evenly spaced on a circle: GAN Lab's classic. A generator that learns only some
of them has collapsed onto those modes; the GAN's coverage figure counts how many modes its samples reach.
Each point's label is its mode.""",
)
def gaussian_ring(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    rng = np.random.default_rng(seed)
    n, k = p["n_samples"], p["modes"]
    y = np.arange(n) % k
    x = ring_centres(k, p["radius"])[y] + rng.normal(0, p["spread"], (n, 2))
    return RawDataset(
        x.astype(np.float32), y.astype(np.int64), CLASSIFICATION, [f"mode {i + 1}" for i in range(k)], ["x1", "x2"],
        f"{k} Gaussian modes (spread {p['spread']:g}) on a ring of radius {p['radius']:g}.", meta={"plane": True},
    )
