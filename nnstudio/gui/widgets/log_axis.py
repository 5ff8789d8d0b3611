"""A pyqtgraph axis whose log scale labels only 1, 2 and 5 times a power of ten.

With fewer than three decades in view, pyqtgraph labels every minor tick (1, 2, ..., 9 times the decade);
at the sizes the app's plots have, the labels near a decade's top (0.7, 0.8, 0.9, 1) run into each other.
Every tick and grid line stays; only the labels are thinned, the way printed log paper is labelled.
"""

from __future__ import annotations

import math

import pyqtgraph as pg

LABELLED_MANTISSAS = (1, 2, 5)


def is_labelled(log_value: float) -> bool:
    """Whether 10**log_value is 1, 2 or 5 times a power of ten."""
    mantissa = 10 ** (log_value - math.floor(log_value + 1e-9))
    return any(abs(mantissa - m) < 1e-6 * m for m in LABELLED_MANTISSAS)


class LogAxis(pg.AxisItem):
    """Drop-in for ``pg.AxisItem``: on a linear scale it is unchanged."""

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802 - pyqtgraph's name
        strings = super().logTickStrings(values, scale, spacing)
        return [s if is_labelled(v + math.log10(scale)) else "" for v, s in zip(values, strings, strict=True)]
