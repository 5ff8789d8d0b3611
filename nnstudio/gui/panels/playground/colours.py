"""The Playground's colour maps, all from :mod:`nnstudio.gui.palette`: class k is ``palette.color(k)``;
signed values (neurons, weights, regression) blend from the palette's "negative" role through white to its
"positive" one, TensorFlow Playground's orange-white-blue. Presentation mode switches them all."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage

from nnstudio.gui import palette

WHITE = np.array([255.0, 255.0, 255.0])


def rgb(hex_color: str) -> np.ndarray:
    h = hex_color.lstrip("#")
    return np.array([int(h[i : i + 2], 16) for i in (0, 2, 4)], float)


def positive() -> np.ndarray:
    return rgb(palette.role("positive"))


def negative() -> np.ndarray:
    return rgb(palette.role("negative"))


def qcolor(values: np.ndarray) -> QColor:
    return QColor(*[int(v) for v in values])


LEVELS = 511  # steps of the signed scale: finer than the eye tells apart


def _lut(strength: float, neg: str, pos: str) -> np.ndarray:
    t = np.linspace(-1, 1, LEVELS)[:, None]
    colour = np.where(t < 0, rgb(neg), rgb(pos))
    return (WHITE + (colour - WHITE) * np.abs(t) * strength).astype(np.uint8)


_LUTS: dict[tuple[float, str, str], np.ndarray] = {}


def diverging(t: np.ndarray, strength: float = 0.9) -> np.ndarray:
    """t in [-1, 1] -> the negative role's colour ... white ... the positive role's, uint8 RGB (through a
    lookup table: every frame colours each neuron's picture)."""
    key = (strength, palette.role("negative"), palette.role("positive"))
    lut = _LUTS.get(key)
    if lut is None:
        lut = _LUTS[key] = _lut(strength, key[1], key[2])
    t = np.clip(np.nan_to_num(np.asarray(t, np.float32)), -1, 1)
    return lut.take(np.rint((t + 1) * ((LEVELS - 1) / 2)).astype(np.intp), axis=0)  # take: 4x a fancy index


def class_colours(probs: np.ndarray, discrete: bool) -> np.ndarray:
    """(…, classes) probabilities -> uint8 RGB: the winning class's colour, paler where the model is unsure
    (full colour everywhere when ``discrete``)."""
    classes = probs.shape[-1]
    hues = np.array([rgb(palette.color(k)) for k in range(classes)])
    win = probs.argmax(-1)
    if discrete:
        strength: np.ndarray | float = 0.75
    else:
        strength = (0.25 + 0.6 * (probs.max(-1) - 1 / classes) / (1 - 1 / classes))[..., None]
    return (WHITE + (hues[win] - WHITE) * strength).astype(np.uint8)


def signed_colours(values: np.ndarray, scale: float, discrete: bool = False) -> np.ndarray:
    t = np.asarray(values, float) / max(scale, 1e-9)
    if discrete:
        t = np.sign(t) * np.ceil(np.clip(np.abs(t), 0, 1) * 4) / 4
    return diverging(t)


def images(colours: np.ndarray) -> list[QImage]:
    """(..., rows, cols, 3) uint8 with row 0 at the bottom of the plane -> one QImage per leading index (row 0
    at the top), in the raster engine's own 32-bit format: an RGB888 image is converted again at every draw
    (0.45 ms a node). One numpy pass for a whole column of neurons, not one per neuron."""
    h, w, _ = colours.shape[-3:]
    stack = colours.reshape(-1, h, w, 3)
    bgra = np.empty((len(stack), h, w, 4), np.uint8)
    bgra[..., :3] = stack[:, ::-1, :, ::-1]
    bgra[..., 3] = 255
    return [QImage(b.data, w, h, 4 * w, QImage.Format.Format_RGB32).copy() for b in bgra]


def image(colours: np.ndarray) -> QImage:
    """(rows, cols, 3) uint8 -> a QImage, as :func:`images`."""
    return images(colours)[0]
