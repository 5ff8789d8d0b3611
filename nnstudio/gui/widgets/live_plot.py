"""Live curves the pyqtgraph way: each curve created once, points appended into growing numpy buffers,
and the screen redrawn from a timer rather than on every data point."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWidget

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


class _Buffer:
    def __init__(self, capacity: int = 256) -> None:
        self.x = np.empty(capacity)
        self.y = np.empty(capacity)
        self.n = 0

    def append(self, x: float, y: float) -> None:
        if self.n == len(self.x):
            self.x = np.resize(self.x, 2 * self.n)
            self.y = np.resize(self.y, 2 * self.n)
        self.x[self.n] = x
        self.y[self.n] = y
        self.n += 1


class LivePlot(pg.PlotWidget):
    """A plot with named curves that refreshes at most ``fps`` times a second."""

    def __init__(self, title: str = "", x_label: str = "", y_label: str = "", fps: int = 15, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.setBackground("w")
        self.setTitle(title, color="#333", size="11pt")
        self.setLabel("bottom", x_label)
        self.setLabel("left", y_label)
        self.showGrid(x=True, y=True, alpha=0.25)
        self.addLegend(offset=(-10, 10))
        self.setClipToView(True)
        self.setDownsampling(auto=True, mode="peak")
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._buffers: dict[str, _Buffer] = {}
        self._dirty: set[str] = set()
        self._timer = QTimer(self)
        self._timer.setInterval(int(1000 / fps))
        self._timer.timeout.connect(self.redraw)
        self._timer.start()

    def add_curve(self, name: str, color: str | None = None, width: float = 2.0, symbol: str | None = None, style=None) -> None:
        color = color or PALETTE[len(self._curves) % len(PALETTE)]
        pen = pg.mkPen(color, width=width) if style is None else pg.mkPen(color, width=width, style=style)
        kwargs = {"symbol": symbol, "symbolSize": 6, "symbolBrush": color, "symbolPen": color} if symbol else {}
        self._curves[name] = self.plot([], [], name=name, pen=pen, **kwargs)
        self._buffers[name] = _Buffer()

    def append(self, name: str, x: float, y: float) -> None:
        self._buffers[name].append(x, y)
        self._dirty.add(name)

    def clear_data(self) -> None:
        for name in self._buffers:
            self._buffers[name] = _Buffer()
            self._curves[name].setData([], [])
        self._dirty.clear()

    def redraw(self) -> None:
        for name in self._dirty:
            buf = self._buffers[name]
            self._curves[name].setData(buf.x[: buf.n], buf.y[: buf.n], skipFiniteCheck=True)
        self._dirty.clear()

    def curve_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The points currently held for ``name`` (what the curve shows after the next redraw)."""
        buf = self._buffers[name]
        return buf.x[: buf.n].copy(), buf.y[: buf.n].copy()

    def curve(self, name: str) -> pg.PlotDataItem:
        return self._curves[name]
