"""Generated "paintings" in two styles, for the pigeons that told Van Gogh from Chagall (Watanabe et al. 1995).

"Van Gogh" paintings are covered in short thick strokes that swirl around a centre; "Chagall" paintings are
soft, floating clouds of colour. Every painting has its own three colours, drawn at random for both styles
alike, so colour says which painting a crop comes from but not its style. The examples are square crops:
training and validation crops come from the *seen* paintings, the test split holds crops of paintings never
shown in training (the pigeons' new pictures).

With ``labels = shuffled`` each seen painting gets a label at random (half of each style called "Van Gogh",
half "Chagall"): the label no longer follows the style, so the only way to be right on the seen crops is to
remember each painting (its colours); the unseen paintings keep their true style labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.base.registry import DATASETS, Param
from nnstudio.core.data.bundle import CLASSIFICATION, RawDataset

STYLES = ("Van Gogh", "Chagall")
CANVAS = 48  # a painting's width and height in pixels; the crops are cut from it


def _swirls(rng: np.random.Generator, palette: np.ndarray) -> np.ndarray:
    """Short thick strokes following circles around a random centre, each in one of the palette's colours."""
    yy, xx = np.mgrid[0:CANVAS, 0:CANVAS].astype(np.float64)
    img = np.broadcast_to(palette[0][:, None, None], (3, CANVAS, CANVAS)).copy()
    cx, cy = rng.uniform(0, CANVAS, 2)
    for _ in range(260):
        px, py = rng.uniform(0, CANVAS, 2)
        angle = np.arctan2(py - cy, px - cx) + np.pi / 2 + rng.normal(0, 0.3)
        dx, dy = np.cos(angle), np.sin(angle)
        along = (xx - px) * dx + (yy - py) * dy
        across = -(xx - px) * dy + (yy - py) * dx
        stroke = (np.abs(along) < 3.0) & (np.abs(across) < 0.9)
        colour = np.clip(palette[rng.integers(0, 3)] + rng.normal(0, 0.08, 3), 0, 1)
        img[:, stroke] = colour[:, None]
    return img


def _clouds(rng: np.random.Generator, palette: np.ndarray) -> np.ndarray:
    """Large soft blobs of the palette's colours blended over a pale ground."""
    yy, xx = np.mgrid[0:CANVAS, 0:CANVAS].astype(np.float64)
    img = np.broadcast_to((0.5 + 0.5 * palette[0])[:, None, None], (3, CANVAS, CANVAS)).copy()
    for _ in range(9):
        cx, cy = rng.uniform(0, CANVAS, 2)
        sigma = rng.uniform(5.0, 11.0)
        weight = 0.9 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * sigma**2))
        colour = palette[rng.integers(0, 3)]
        img = img * (1 - weight) + colour[:, None, None] * weight
    return img


def _crops(rng: np.random.Generator, painting: np.ndarray, count: int, size: int) -> np.ndarray:
    corners = rng.integers(0, CANVAS - size + 1, (count, 2))
    return np.stack([painting[:, r:r + size, c:c + size] for r, c in corners])


def _balanced_shuffle(rng: np.random.Generator, per_style: int) -> np.ndarray:
    """A random label per seen painting, half of each style's paintings given each label (when even), so the
    shuffled labels carry nothing about the style."""
    labels = []
    for _ in STYLES:
        half = np.arange(per_style) % 2
        labels.append(rng.permutation(half))
    return np.concatenate(labels).astype(np.int64)


@DATASETS.register(
    "paintings", title="Paintings in two styles", category="Images",
    params=(
        Param("seen", int, 10, "Paintings of each style whose crops are trained on (and validated on).", 2, 200),
        Param("unseen", int, 5, "Paintings of each style kept back: the test split holds only their crops.", 1, 200),
        Param("crops", int, 16, "Square crops cut from each painting.", 1, 500),
        Param("size", int, 16, "A crop's width and height in pixels.", 8, CANVAS),
        Param("labels", str, "style", "'style': each crop is labelled with its painting's style; 'shuffled': each "
              "seen painting gets a random label, which no longer follows the style.", choices=("style", "shuffled")),
    ),
    help="""
Pigeons trained to peck at Van Gogh but not at Chagall went on to tell unseen paintings of the two apart: they
had learned the style, not the pictures. Here "Van Gogh" paintings are swirling short strokes and "Chagall"
paintings soft clouds of colour; each painting has colours of its own. The test split holds crops of
paintings never trained on. With shuffled labels the label no longer follows the style: a network can still
remember the seen paintings, but has nothing to carry over to new ones.""",
)
def paintings(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    rng = np.random.default_rng(seed)
    seen, unseen, count, size = p["seen"], p["unseen"], p["crops"], p["size"]
    painted: dict[bool, list[tuple[np.ndarray, int]]] = {True: [], False: []}
    for style, paint in enumerate((_swirls, _clouds)):
        for k in range(seen + unseen):
            painted[k < seen].append((paint(rng, rng.uniform(0, 1, (3, 3))), style))
    seen_labels = np.array([s for _, s in painted[True]], dtype=np.int64)
    if p["labels"] == "shuffled":
        seen_labels = _balanced_shuffle(np.random.default_rng([seed, 1]), seen)  # own draws: the same crops

    def cut(items: list[tuple[np.ndarray, int]], labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.concatenate([_crops(rng, img, count, size) for img, _ in items]).astype(np.float32)
        return x, np.repeat(labels, count)

    x, y = cut(painted[True], seen_labels)
    test = cut(painted[False], np.array([s for _, s in painted[False]], dtype=np.int64))
    how = "labels shuffled between the seen paintings" if p["labels"] == "shuffled" else "labelled by style"
    return RawDataset(
        x, y, CLASSIFICATION, list(STYLES), [],
        f"3x{size}x{size} crops, {count} from each painting: {seen} seen paintings per style ({how}); the test "
        f"split holds crops of {unseen} unseen paintings per style, labelled by style.",
        fixed_test=test, meta={"image": True},
    )
