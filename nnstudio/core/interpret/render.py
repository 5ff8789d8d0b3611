"""Pictures of attributions as numpy arrays (no Qt): colour maps, the plain image, the overlay, a bar chart.

The GUI wraps these arrays in QImages; the CLI writes them as PNG with Pillow. Both show the same thing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# Anchor colours (0..1 positions) interpolated into 256-entry tables.
_ANCHORS: dict[str, list[tuple[float, tuple[int, int, int]]]] = {
    "signed": [(0.0, (33, 102, 172)), (0.25, (103, 169, 207)), (0.5, (247, 247, 247)), (0.75, (239, 138, 98)), (1.0, (178, 24, 43))],
    "hot": [(0.0, (0, 0, 0)), (0.35, (200, 0, 0)), (0.7, (255, 200, 0)), (1.0, (255, 255, 255))],
    "viridis": [(0.0, (68, 1, 84)), (0.25, (59, 82, 139)), (0.5, (33, 145, 140)), (0.75, (94, 201, 98)), (1.0, (253, 231, 37))],
    "jet": [(0.0, (0, 0, 128)), (0.15, (0, 0, 255)), (0.4, (0, 255, 255)), (0.6, (255, 255, 0)), (0.85, (255, 0, 0)), (1.0, (128, 0, 0))],
}
COLORMAPS = {
    "signed": "Red / blue (signed)",
    "hot": "Hot (strength)",
    "viridis": "Viridis (strength)",
    "jet": "Jet (strength)",
}


def colormap_table(name: str) -> np.ndarray:
    """256 x 3 float table in [0, 1]."""
    anchors = _ANCHORS[name]
    pos = np.array([a[0] for a in anchors])
    cols = np.array([a[1] for a in anchors], dtype=np.float64) / 255.0
    t = np.linspace(0.0, 1.0, 256)
    return np.stack([np.interp(t, pos, cols[:, c]) for c in range(3)], axis=1)


def normalize(values: np.ndarray, percentile: float = 99.5) -> np.ndarray:
    """Scale into [-1, 1] by a high percentile of |values|, so one extreme pixel does not wash out the rest."""
    v = np.asarray(values, dtype=np.float64)
    scale = float(np.percentile(np.abs(v), percentile)) if v.size else 0.0
    if scale <= 0:
        scale = float(np.abs(v).max()) if v.size else 0.0
    return np.clip(v / scale, -1.0, 1.0) if scale > 0 else np.zeros_like(v)


def heat_rgb(norm: np.ndarray, colormap: str = "signed") -> np.ndarray:
    """Colour a normalized map: signed maps use the sign, the others the strength |value|."""
    table = colormap_table(colormap)
    t = (norm + 1.0) / 2.0 if colormap == "signed" else np.abs(norm)
    return table[np.clip((t * 255).round().astype(int), 0, 255)]


def image_rgb(x: np.ndarray) -> np.ndarray:
    """An input as height x width x 3 floats in [0, 1], stretched to its own range.

    One channel is grey, three are colour; other channel counts show their mean.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 3:
        x = np.moveaxis(x, 0, -1) if x.shape[0] == 3 else x.mean(axis=0)
    lo, hi = float(x.min()), float(x.max())
    x = (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)
    return np.repeat(x[..., None], 3, axis=-1) if x.ndim == 2 else x


def overlay(image: np.ndarray, norm: np.ndarray, colormap: str = "signed", opacity: float = 0.6) -> np.ndarray:
    """Blend the heatmap over the image; weak attributions stay transparent, so the image shows through."""
    alpha = (opacity * np.abs(norm))[..., None]
    return (1.0 - alpha) * image + alpha * heat_rgb(norm, colormap)


def to_uint8(rgb: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray((np.clip(rgb, 0.0, 1.0) * 255).round().astype(np.uint8))


def upscale(rgb: np.ndarray, min_side: int = 256) -> np.ndarray:
    """Nearest-neighbour enlargement so an 8x8 digit stays crisp instead of blurred."""
    factor = max(1, -(-min_side // max(1, min(rgb.shape[:2]))))
    return np.repeat(np.repeat(rgb, factor, axis=0), factor, axis=1)


def save_png(rgb: np.ndarray, path: str | Path) -> None:
    from PIL import Image

    Image.fromarray(to_uint8(rgb), mode="RGB").save(str(path), format="PNG")


def bar_chart(names: list[str], values: np.ndarray, title: str = "", width: int = 640) -> np.ndarray:
    """Horizontal bars, red for positive and blue for negative attributions, with feature names."""
    from PIL import Image, ImageDraw

    row, left, top = 26, min(260, 12 + 7 * max((len(n) for n in names), default=4)), 34
    height = top + row * len(names) + 12
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    draw.text((10, 8), title, fill=(30, 30, 30))
    scale = float(np.abs(values).max()) or 1.0
    centre = left + (width - left - 16) // 2
    half = (width - left - 24) // 2
    draw.line([(centre, top - 4), (centre, height - 8)], fill=(120, 120, 120))
    for i, (name, v) in enumerate(zip(names, values, strict=True)):
        y = top + i * row
        draw.text((8, y + 6), name[:36], fill=(30, 30, 30))
        end = centre + int(half * v / scale)
        colour = (178, 24, 43) if v >= 0 else (33, 102, 172)
        draw.rectangle([min(centre, end), y + 4, max(centre, end), y + row - 6], fill=colour)
        draw.text((width - 70 if v < 0 else left + 4, y + 6), f"{v:+.3g}", fill=(60, 60, 60))
    return np.asarray(img, dtype=np.float64) / 255.0
