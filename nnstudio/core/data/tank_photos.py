"""The tank detector that learned the weather: generated grey photos of a landscape under a sky.

As the story goes, every photo with a tank was taken on a cloudy day (dark sky, dull ground) and every photo
without one on a sunny day (bright sky and ground). The tank is small and camouflaged, and half the empty
photos hold a bush of the same size and shade instead, so "something dark on the ground" does not tell the
tank either; telling a tank from a bush by its outline is possible, but the brightness of the whole photo is
by far the easier cue. The vault (the test split) is taken the same way; the "new photos" mix the weather
with the tanks at random, and a network that learned the weather falls to a coin toss there.

``meta["boxes"]`` holds, for the vault and the new photos, each photo's tank box as fractions of the image
(x0, y0, x1, y1; NaN where there is no tank), so a lesson can measure where Grad-CAM looked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.base.registry import DATASETS, Param
from nnstudio.core.data.bundle import CLASSIFICATION, RawDataset

NEW_PHOTOS = "new photos"
_HALF_W, _HALF_H = 0.13, 0.08  # the tank's half width and height (turret and gun included), of the image


def _weather(rng: np.random.Generator, cloudy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sky and ground brightness per photo: the weather shows in the sky (dark grey when cloudy, bright when
    sunny); the ground's shade varies as much from field to field as from weather to weather."""
    sky = np.where(cloudy, rng.uniform(0.22, 0.36, len(cloudy)), rng.uniform(0.80, 0.95, len(cloudy)))
    ground = rng.uniform(0.56, 0.66, len(cloudy))
    return sky, ground


def _photos(rng: np.random.Generator, tank: np.ndarray, cloudy: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Photos and their tank boxes. A tank or a bush is a quarter darker than the ground under it (camouflage)."""
    n = len(tank)
    yy, xx = (np.mgrid[0:size, 0:size] + 0.5) / size
    sky, ground = _weather(rng, cloudy)
    bush = ~tank & (rng.random(n) < 0.5)
    images = np.empty((n, 1, size, size), dtype=np.float32)
    boxes = np.full((n, 4), np.nan)
    for i in range(n):
        horizon = rng.uniform(0.40, 0.50)
        img = np.where(yy < horizon, sky[i], ground[i]) + rng.normal(0, 0.04, (size, size))
        cx, cy = rng.uniform(0.25, 0.75), rng.uniform(horizon + 0.15, 0.85)
        if tank[i]:
            hull = (abs(xx - cx) < _HALF_W) & (abs(yy - cy - 0.03) < 0.05)
            turret = (abs(xx - cx) < 0.05) & (yy >= cy - 0.05) & (yy < cy - 0.02)
            gun = (xx > cx) & (xx < cx + _HALF_W) & (abs(yy - (cy - 0.04)) < 0.015)
            shape = hull | turret | gun
            boxes[i] = (cx - _HALF_W, cy - 0.06, cx + _HALF_W, cy + _HALF_H)
        elif bush[i]:
            shape = ((xx - cx) / _HALF_W) ** 2 + ((yy - cy) / _HALF_H) ** 2 < 1.0
        else:
            shape = np.zeros((size, size), dtype=bool)
        img = np.where(shape, img * 0.75, img)
        images[i, 0] = np.clip(img, 0.0, 1.0)
    return images, boxes


def _labels(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.permutation(np.arange(n) % 2).astype(np.int64)


@DATASETS.register(
    "tanks", title="Tank or not a tank", category="Images",
    params=(
        Param("n_samples", int, 600, "Photos for training and validation.", 20, 20_000, label="Samples"),
        Param("size", int, 24, "Image width and height in pixels.", 12, 64),
        Param("new_photos", int, 200, "Photos in the extra 'new photos' split, weather and tanks at random.", 20, 5_000),
        Param("vault", int, 200, "Photos in the vault (the test split), taken like the training ones.", 20, 5_000),
    ),
    help="""
The legend of the army's tank detector: every photo with a tank was taken on a cloudy day, every photo
without one on a sunny day. A network reaches near-perfect accuracy on the vault, taken the same way - by
learning the weather. In the extra split "new photos" the weather is random, and accuracy there drops to a
coin toss. Grad-CAM shows where it looked: at the sky, not at the tank.""",
)
def tanks(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    rng = np.random.default_rng(seed)
    size = p["size"]
    y = _labels(rng, p["n_samples"])
    x, _ = _photos(rng, y == 1, y == 1, size)  # the confound: tanks on cloudy days only
    y_vault = _labels(rng, p["vault"])
    vault, vault_boxes = _photos(rng, y_vault == 1, y_vault == 1, size)
    y_new = _labels(rng, p["new_photos"])
    new, new_boxes = _photos(rng, y_new == 1, rng.random(len(y_new)) < 0.5, size)  # weather at random
    return RawDataset(
        x, y, CLASSIFICATION, ["no tank", "tank"], [],
        f"{size}x{size} grey photos; tanks only on cloudy days, in training and in the vault (test), "
        "weather at random in 'new photos'.",
        extra={NEW_PHOTOS: (new, y_new)}, fixed_test=(vault, y_vault),
        meta={"image": True, "boxes": {"test": vault_boxes, NEW_PHOTOS: new_boxes}},
    )
