"""Interpretable features for LIME and KernelSHAP: superpixels on images, one feature per column otherwise.

No scikit-image: a square grid, or a small SLIC (k-means over brightness and position, seeded on a grid),
which follows edges better. Labels are 0..K-1 without gaps, as Captum requires.
"""

from __future__ import annotations

import math

import numpy as np


def grid_segments(height: int, width: int, segments: int) -> np.ndarray:
    """About ``segments`` square-ish cells covering the image."""
    side = max(1, round(math.sqrt(segments)))
    rows = np.minimum(np.arange(height) * side // max(height, 1), side - 1)
    cols = np.minimum(np.arange(width) * side // max(width, 1), side - 1)
    return _relabel(rows[:, None] * side + cols[None, :])


def slic_segments(image: np.ndarray, segments: int, compactness: float = 0.3, iterations: int = 8) -> np.ndarray:
    """SLIC-like superpixels of a (channels, height, width) image.

    ``compactness`` weighs position against colour: higher gives rounder, more grid-like segments.
    """
    channels, height, width = image.shape
    flat = image.reshape(channels, -1).T.astype(np.float64)
    span = float(flat.max() - flat.min()) or 1.0
    colour = (flat - flat.min()) / span
    ys, xs = np.mgrid[0:height, 0:width]
    step = math.sqrt(height * width / max(segments, 1))
    position = np.stack([ys.ravel(), xs.ravel()], axis=1) / max(step, 1e-9)
    seeds = grid_segments(height, width, segments).ravel()
    labels = seeds
    centres_c = np.stack([colour[seeds == k].mean(0) for k in range(seeds.max() + 1)])
    centres_p = np.stack([position[seeds == k].mean(0) for k in range(seeds.max() + 1)])
    for _ in range(iterations):
        spatial = _squared_distances(position, centres_p)
        d = _squared_distances(colour, centres_c) + compactness**2 * spatial
        # Only nearby centres compete, as in SLIC; far ones cannot claim a pixel.
        d[spatial > 4.0] = np.inf
        new = d.argmin(1)
        if np.array_equal(new, labels):
            break
        labels = new
        for k in range(len(centres_c)):
            members = labels == k
            if members.any():
                centres_c[k] = colour[members].mean(0)
                centres_p[k] = position[members].mean(0)
    return _relabel(labels.reshape(height, width))


def image_feature_mask(image: np.ndarray, segmentation: str, segments: int) -> np.ndarray:
    """(channels, height, width) integer mask; all channels of a pixel share its segment."""
    channels, height, width = image.shape
    segs = slic_segments(image, segments) if segmentation == "slic" else grid_segments(height, width, segments)
    return np.broadcast_to(segs, (channels, height, width)).copy()


def column_feature_mask(shape: tuple[int, ...]) -> np.ndarray:
    """One interpretable feature per input value (per column of a tabular row)."""
    return np.arange(math.prod(shape)).reshape(shape)


def _squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pixels x centres, without the pixels x centres x channels temporary a broadcast would need."""
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d, 0.0)


def _relabel(labels: np.ndarray) -> np.ndarray:
    _, inverse = np.unique(labels, return_inverse=True)
    return inverse.reshape(labels.shape).astype(np.int64)
