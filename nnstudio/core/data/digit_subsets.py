"""Some of the 8x8 digits: a few classes, and (for few-shot training) only N training examples of each.

Transfer learning's example needs both halves of the digits: a network learns 0-4 from every example, then
its head is fine-tuned on 5-9 from 10 examples per class. The examples not drawn for training are the test set,
so the score is read on hundreds of unseen digits, not on a handful."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.core.base.registry import DATASETS, Param
from nnstudio.core.data.bundle import CLASSIFICATION, RawDataset

HALVES = {"0-4": (0, 1, 2, 3, 4), "5-9": (5, 6, 7, 8, 9)}


@DATASETS.register(
    "digits_subset", title="Digits (8x8), some classes", category="Real (scikit-learn)",
    params=(
        Param("classes", str, "0-4", "Which digits to keep; they are numbered from 0 in the order shown.",
              choices=tuple(HALVES)),
        Param("per_class", int, 0, "Training examples of each digit (0: every example, split as usual). With N, N "
              "of each are drawn for training and all the others are the test set.", 0, 150, label="Examples per class"),
        Param("shift", int, 0, "Room around each digit: it is placed at a random spot of a canvas this many pixels "
              "wider on every side (0: the plain 8x8 image). The spot does not tell the digit, so a network must "
              "learn shapes wherever they are.", 0, 8),
    ),
    help="""
The 8x8 digits restricted to 0-4 or 5-9, optionally with only a few training examples of each (few-shot).
Used by the transfer-learning example: features learned on one half of the digits help on the other.""",
)
def digits_subset(p: dict[str, Any], seed: int, base_dir: Path | None = None) -> RawDataset:
    from sklearn.datasets import load_digits

    d = load_digits()
    kept = HALVES[p["classes"]]
    mask = np.isin(d.target, kept)
    rng = np.random.default_rng(seed)
    x = _placed((d.images[mask] / 16.0).astype(np.float32), p["shift"], rng)[:, None, :, :]
    y = np.searchsorted(np.array(kept), d.target[mask]).astype(np.int64)  # 5..9 -> 0..4
    names = [str(c) for c in kept]
    n = p["per_class"]
    side = 8 + 2 * p["shift"]
    # Short: the Architecture tab shows it on one line beside the input shape.
    what = (f"Digits {p['classes']} at random spots of {side}x{side}" if p["shift"]
            else f"Digits {p['classes']} as 1x8x8 images")
    if not n:
        return RawDataset(x, y, CLASSIFICATION, names, [], f"{what}.", meta={"image": True})
    train = np.sort(np.concatenate([rng.permutation(np.flatnonzero(y == c))[:n] for c in range(len(kept))]))
    test = np.setdiff1d(np.arange(len(y)), train)
    return RawDataset(
        x[train], y[train], CLASSIFICATION, names, [],
        f"{what}: {n} of each to train, {len(test)} to test.",
        fixed_test=(x[test], y[test]), meta={"image": True},
    )


def _placed(images: np.ndarray, shift: int, rng: np.random.Generator) -> np.ndarray:
    """Each 8x8 image at a random offset of a (8 + 2 shift)-pixel canvas; the images as they are for 0."""
    if not shift:
        return images
    side = 8 + 2 * shift
    out = np.zeros((len(images), side, side), dtype=np.float32)
    rows, cols = rng.integers(0, 2 * shift + 1, size=(2, len(images)))
    for i, (r, c) in enumerate(zip(rows, cols, strict=True)):
        out[i, r:r + 8, c:c + 8] = images[i]
    return out
