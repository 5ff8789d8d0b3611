"""Per-feature attribution bars for tabular and 2-D inputs: one horizontal bar per named feature."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QWidget

from nnstudio.gui import palette


class FeatureBars(pg.PlotWidget):
    """Red bars speak for the target, blue bars against it; the first feature is at the top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.setBackground("w")
        self.showGrid(x=True, y=False, alpha=0.25)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setMenuEnabled(False)
        self.setLabel("bottom", "attribution")
        self.getAxis("left").setStyle(tickFont=self.font())
        self._bars: pg.BarGraphItem | None = None
        self._names: list[str] = []
        self._values = np.zeros(0)
        self._zero = pg.InfiniteLine(0, angle=90, pen=palette.role_pen("muted", 1))
        self.addItem(self._zero)

    def set_values(self, names: list[str], values: np.ndarray, title: str = "") -> None:
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        self._names, self._values = list(names), values
        if self._bars is not None:
            self.removeItem(self._bars)
            self._bars = None
        n = len(values)
        self.setTitle(title, color="#333", size="11pt")
        if n == 0:  # pyqtgraph cannot draw an empty bar set
            self.getAxis("left").setTicks([[]])
            return
        y = np.arange(n)[::-1].astype(float)  # the first feature on top, as in the data table
        brushes = [pg.mkBrush(palette.role("increase" if v >= 0 else "decrease")) for v in values]
        self._bars = pg.BarGraphItem(x0=np.zeros(n), y=y, width=values, height=0.7, brushes=brushes, pens=[pg.mkPen(None)] * n)
        self.addItem(self._bars)
        axis = self.getAxis("left")
        axis.setTicks([[(float(y[i]), names[i]) for i in range(n)]])
        # Room for the longest name now, rather than after a repaint discovers it.
        axis.setWidth(max(QFontMetrics(self.font()).horizontalAdvance(name) for name in names) + 16)
        span = float(np.abs(values).max()) if n else 1.0
        self.setXRange(-span * 1.1 or -1, span * 1.1 or 1, padding=0)
        self.setYRange(-0.6, n - 0.4, padding=0)

    def clear_values(self, title: str = "") -> None:
        self.set_values([], np.zeros(0), title)

    def values(self) -> np.ndarray:
        return self._values.copy()

    def names(self) -> list[str]:
        return list(self._names)
