"""The one palette for every plot that colours classes or runs.

Okabe & Ito's colour-blind-safe set (without its yellow, too faint on a white plot) and three of Paul
Tol's (wine, olive, indigo): ten hues told apart with any common colour-vision deficiency and far apart in
CIE Lab (ΔE76 of at least 26 between any two). Class 10 onwards reuses the hues with another line style,
so no two of the first 40 curves look alike.

Qt-free except for ``line_style`` / ``pen`` (imported lazily), so the colour maths can be tested alone.
"""

from __future__ import annotations

import math

PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#000000",  # black
    "#882255",  # wine
    "#999933",  # olive
    "#332288",  # indigo
)
STYLE_NAMES = ("solid", "dash", "dot", "dashdot")  # cycled once the hues run out


def color(i: int) -> str:
    """The hex colour of class (or run) ``i``."""
    return PALETTE[i % len(PALETTE)]


def style_index(i: int) -> int:
    """0 (solid) for the first ten, then dashed, dotted, dash-dotted."""
    return (i // len(PALETTE)) % len(STYLE_NAMES)


def line_style(i: int):
    from PySide6.QtCore import Qt

    styles = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine)
    return styles[style_index(i)]


def pen(i: int, width: float = 2.0):
    """A pyqtgraph pen for curve ``i``: its colour and, past the tenth, its line style."""
    import pyqtgraph as pg

    return pg.mkPen(color(i), width=width, style=line_style(i))


# ---------------------------------------------------------------- colour distance (for tests and checks)
def srgb_to_lab(hex_color: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB hex colour."""
    h = hex_color.lstrip("#")
    rgb = [int(h[k : k + 2], 16) / 255 for k in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e76(a: str, b: str) -> float:
    """Euclidean distance in Lab: about 2.3 is just noticeable, above 20 clearly different colours."""
    return math.dist(srgb_to_lab(a), srgb_to_lab(b))
