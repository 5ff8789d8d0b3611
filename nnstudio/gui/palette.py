"""The one palette for every plot: class and run colours, named colours (roles), pen widths, marker sizes.

Okabe & Ito's colour-blind-safe set (without its yellow, too faint on a white plot) and three of Paul
Tol's (wine, olive, indigo): ten hues told apart with any common colour-vision deficiency and far apart in
CIE Lab (ΔE76 of at least 26 between any two). Class 10 onwards reuses the hues with another line style,
so no two of the first 40 curves look alike.

Presentation mode (View > Presentation mode) swaps in a projector variant: ten darker hues, each at least
3:1 against white (a projector washes out sky blue and orange) and ΔE 38 apart; the first six (the classes
of most lessons) stay at least ΔE 24 apart under simulated deuteranopia, protanopia and tritanopia, all ten
at least 18. Lines are twice as thick and markers 1.6x larger. Plots read the mode through ``color``/``role``/``pen``/``line_width``/``marker_size``
when they draw; ``subscribe`` calls back on every toggle so a view can redraw what it painted itself.

Qt-free except for ``line_style`` / ``pen`` (imported lazily), so the colour maths can be tested alone.
"""

from __future__ import annotations

import inspect
import math
import sys
import weakref
from collections.abc import Callable

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
PRESENTATION_PALETTE: tuple[str, ...] = (
    "#0066AA",  # deep blue
    "#CC4400",  # vermillion
    "#000000",  # black
    "#11AA66",  # green
    "#BB00FF",  # violet
    "#664433",  # brown
    "#AA77AA",  # mauve
    "#AA1166",  # crimson
    "#EE44DD",  # pink
    "#6633BB",  # violet-indigo
)
STYLE_NAMES = ("solid", "dash", "dot", "dashdot")  # cycled once the hues run out

# Named colours for what is not a class or a run: one accent for single-series plots, a highlight for the
# thing to look at (the chosen point, the ideal line), good (a suggestion), muted (chance, individual curves),
# the two ends of a signed scale (negative orange, positive blue: Playground's), and ink for text and rims.
ROLES: dict[str, str] = {
    "accent": "#1F77B4",
    "accent_light": "#8FB6D9",
    "highlight": "#D62728",
    "good": "#2CA02C",
    "good_text": "#1A7A1A",
    "muted": "#999999",
    "negative": "#F59322",
    "positive": "#0877BD",
    "ink": "#333333",
    "increase": "#B2182B",  # attributions: speaks for the target
    "decrease": "#2166AC",  # and against it
}
PRESENTATION_ROLES: dict[str, str] = {
    "accent": "#00589C",
    "accent_light": "#5C8FC2",
    "highlight": "#C03A00",
    "good": "#11884F",
    "good_text": "#0B6B3A",
    "muted": "#555555",
    "negative": "#D35400",
    "positive": "#0057A8",
    "ink": "#111111",
    "increase": "#A0101F",
    "decrease": "#0A4A94",
}
LINE_SCALE = 2.0  # presentation lines are this much thicker
MARKER_SCALE = 1.6  # and markers this much larger

_presenting = False
_listeners: list[weakref.ref] = []


def presenting() -> bool:
    return _presenting


def set_presentation(on: bool) -> None:
    """Switch every colour, width and size this module hands out, then tell the subscribers."""
    global _presenting
    if on == _presenting:
        return
    _presenting = on
    alive = [(ref, cb) for ref in _listeners if (cb := ref()) is not None and not _deleted(cb)]
    _listeners[:] = [ref for ref, _cb in alive]
    for _ref, callback in alive:
        callback()


def _deleted(callback: Callable[[], None]) -> bool:
    """A method of a Qt object whose C++ side is gone (its window closed; the Python wrapper can outlive it):
    calling it would reach freed memory."""
    shiboken = sys.modules.get("shiboken6")  # loaded whenever there is a Qt object at all
    owner = getattr(callback, "__self__", None)
    return shiboken is not None and owner is not None and isinstance(owner, shiboken.Object) and not shiboken.isValid(owner)


def subscribe(callback: Callable[[], None]) -> None:
    """Call ``callback()`` after each toggle. Held weakly (a bound method lives as long as its object), so a
    closed view never hears it; keep a plain function referenced yourself."""
    ref = weakref.WeakMethod(callback) if inspect.ismethod(callback) else weakref.ref(callback)
    _listeners.append(ref)


def hues() -> tuple[str, ...]:
    return PRESENTATION_PALETTE if _presenting else PALETTE


def color(i: int) -> str:
    """The hex colour of class (or run) ``i``."""
    colours = hues()
    return colours[i % len(colours)]


def role(name: str) -> str:
    """The hex colour of a named role (``ROLES``'s keys)."""
    return (PRESENTATION_ROLES if _presenting else ROLES)[name]


def line_width(width: float) -> float:
    return width * LINE_SCALE if _presenting else width


def marker_size(size: float) -> float:
    return size * MARKER_SCALE if _presenting else size


def counterpart(hex_color: str, to_presentation: bool) -> str | None:
    """The other mode's colour for one of this module's colours (class ``i`` to class ``i``, role to role);
    None for a colour that is not the palette's. Used to restyle plots drawn before the toggle."""
    key = hex_color.upper()
    if key == "#000000":
        return None  # black is text, rims and markers far more often than class 6: it stays black
    if to_presentation:
        table = dict(zip(PALETTE, PRESENTATION_PALETTE, strict=True)) | {ROLES[k]: PRESENTATION_ROLES[k] for k in ROLES}
    else:
        table = dict(zip(PRESENTATION_PALETTE, PALETTE, strict=True)) | {PRESENTATION_ROLES[k]: ROLES[k] for k in ROLES}
    return table.get(key)


def style_index(i: int) -> int:
    """0 (solid) for the first ten, then dashed, dotted, dash-dotted."""
    return (i // len(hues())) % len(STYLE_NAMES)


def line_style(i: int):
    from PySide6.QtCore import Qt

    styles = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine)
    return styles[style_index(i)]


def pen(i: int, width: float = 2.0):
    """A pyqtgraph pen for curve ``i``: its colour, its width for the mode and, past the hues, its line style."""
    import pyqtgraph as pg

    return pg.mkPen(color(i), width=line_width(width), style=line_style(i))


def role_pen(name: str, width: float = 1.0, dashed: bool = False):
    """A pyqtgraph pen in a role's colour (``role``), its width for the mode."""
    import pyqtgraph as pg
    from PySide6.QtCore import Qt

    style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
    return pg.mkPen(role(name), width=line_width(width), style=style)


# ---------------------------------------------------------------- colour distance (for tests and checks)
def srgb_to_lab(hex_color: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB hex colour."""
    lin = _linear(hex_color)
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


def relative_luminance(hex_color: str) -> float:
    """WCAG's relative luminance (0 black .. 1 white)."""
    r, g, b = _linear(hex_color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str = "#FFFFFF") -> float:
    """WCAG contrast ratio, 1 to 21: 3 is the minimum for lines and large text."""
    hi, lo = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
CVD_MATRICES = {
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}


def simulate_cvd(hex_color: str, kind: str) -> str:
    """How ``hex_color`` looks with a colour-vision deficiency (a ``CVD_MATRICES`` key)."""
    lin = _linear(hex_color)
    out = [min(max(sum(m * c for m, c in zip(row, lin, strict=True)), 0.0), 1.0) for row in CVD_MATRICES[kind]]
    srgb = [12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055 for c in out]
    return "#" + "".join(f"{round(c * 255):02X}" for c in srgb)


def rgb(hex_color: str) -> tuple[int, int, int]:
    """(red, green, blue), 0-255, of a "#RRGGBB" colour: for views that blend colours as numbers."""
    h = hex_color.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _linear(hex_color: str) -> list[float]:
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in (v / 255 for v in rgb(hex_color))]
