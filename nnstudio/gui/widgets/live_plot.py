"""Live curves the pyqtgraph way: each curve created once, points appended into growing numpy buffers,
and the screen redrawn from a timer rather than on every data point.

The view range moves as little as possible. With auto-range, every frame of a falling loss moved both
axes, and redrawing the axes (tick text) cost more than the curves: painting took a quarter of a training
thread's time on a 2-core laptop. Here the x range can be set to the whole run ahead of time
(``set_x_extent``) and the y range jumps with hysteresis (``_steady_y``), so most frames repaint the
curves only. Zooming or panning by hand leaves the range to the user (and "A" to auto-range) until the
next run.

Extras for the classroom: a log-scale switch, a hover readout naming the exact value under the mouse,
and a marked x position (the best epoch).
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QTimer
from PySide6.QtWidgets import QGraphicsItem, QWidget

from nnstudio.gui import palette
from nnstudio.gui.widgets.log_axis import LogAxis

HOVER_PIXELS = 24  # how close (in screen pixels) the mouse must be to a point for the readout


CACHED = QGraphicsItem.CacheMode.DeviceCoordinateCache  # repainted from a pixmap until the item changes
TIGHTEN_BELOW = 0.4  # re-fit the y range once the data spans less than this share of it
HEADROOM = 0.25  # on a re-fit, room left below the data (a falling loss) as a share of its span


class _Buffer:
    def __init__(self, capacity: int = 256) -> None:
        self.x = np.empty(capacity)
        self.y = np.empty(capacity)
        self.n = 0
        self.lo, self.hi = math.inf, -math.inf  # finite y extremes, kept up to date for the range

    def _track(self, ys: np.ndarray) -> None:
        finite = ys[np.isfinite(ys)]
        if finite.size:
            self.lo = min(self.lo, float(finite.min()))
            self.hi = max(self.hi, float(finite.max()))

    def _grow(self, needed: int) -> None:
        if needed > len(self.x):
            size = max(needed, 2 * len(self.x))
            self.x = np.resize(self.x, size)
            self.y = np.resize(self.y, size)

    def append(self, x: float, y: float) -> None:
        if self.n == len(self.x):
            self._grow(self.n + 1)
        self.x[self.n] = x
        self.y[self.n] = y
        self.n += 1
        if math.isfinite(y):
            self.lo, self.hi = min(self.lo, y), max(self.hi, y)

    def extend(self, xs: np.ndarray, ys: np.ndarray) -> None:
        k = len(xs)
        self._grow(self.n + k)
        self.x[self.n : self.n + k] = xs
        self.y[self.n : self.n + k] = ys
        self.n += k
        self._track(ys)


class LivePlot(pg.PlotWidget):
    """A plot with named curves that refreshes at most ``fps`` times a second."""

    def __init__(self, title: str = "", x_label: str = "", y_label: str = "", fps: int = 15, parent: QWidget | None = None,
                 legend_offset: tuple[int, int] = (-10, 10), mark_label_at: float = 0.5) -> None:
        super().__init__(parent=parent, axisItems={side: LogAxis(side) for side in ("left", "bottom")})
        self._mark_label_at = mark_label_at  # height of the marker's label, 0 bottom to 1 top: mid-height is clear of the legends and of curves that fall or rise to a corner
        self._pending_mark: tuple[float | None, str] | None = None
        self.setBackground("w")
        self.setTitle(title, color="#333", size="11pt")
        self.setLabel("bottom", x_label)
        self.setLabel("left", y_label)
        self.x_label = x_label
        self.showGrid(x=True, y=True, alpha=0.25)
        # A translucent box: a curve that passes under the legend stays visible and the names stay readable.
        self.addLegend(offset=legend_offset, brush=pg.mkBrush(255, 255, 255, 215), pen=pg.mkPen("#d0d0d0")
                       ).setCacheMode(CACHED)
        for side in ("left", "bottom"):
            axis = self.getAxis(side)
            axis.enableAutoSIPrefix(False)  # "accuracy (x0.001)" confuses more than it helps
            # The grid makes each axis as large as the plot, so every new point repainted both axes (tick
            # text and grid); cached as pixmaps they are redrawn only when their range changes.
            axis.setCacheMode(CACHED)
        self.setClipToView(True)
        self.setDownsampling(auto=True, mode="peak")
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._buffers: dict[str, _Buffer] = {}
        self._hover_names: list[str] = []
        self._dirty: set[str] = set()
        self._log_y = False
        self.readout = ""  # the hover text currently shown ("" when none)
        self._readout_item = pg.TextItem("", color="#111", fill=pg.mkBrush(255, 255, 255, 230), border="#888", anchor=(0, 1))
        self._readout_item.setZValue(100)
        self._readout_item.hide()
        self.addItem(self._readout_item, ignoreBounds=True)
        self._marker: pg.InfiniteLine | None = None
        self.marked_x: float | None = None
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._x_extent: tuple[float, float] | None = None
        self._x_planned = False  # the extent came from set_x_extent, not from growing with the data
        self._y_range: tuple[float, float] | None = None
        self._steady = True  # this class moves the range, until the user zooms or pans
        view = self.getPlotItem().getViewBox()
        view.sigRangeChangedManually.connect(self._user_moved_range)
        view.disableAutoRange()
        # One shot per batch of new points, at most ``fps`` a second: an idle plot never wakes the GUI thread
        # (each wake-up takes the GIL from a training thread).
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(1000 / fps))
        self._timer.timeout.connect(self.redraw)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.redraw()

    def set_fps(self, fps: float) -> None:
        self._timer.setInterval(int(1000 / fps))

    # ------------------------------------------------------------------ curves
    def add_curve(self, name: str, color: str | None = None, width: float = 2.0, symbol: str | None = None, style=None,
                  hover: bool = True, busy: bool = False) -> None:
        """``busy``: a curve that gets points many times a second (per-batch values). It is drawn without
        antialiasing, while the others are kept as cached pixmaps, so a new chunk of points repaints one
        cheap line rather than every item under it (each Python paint holds the GIL a training thread needs)."""
        color = color or palette.color(len(self._curves))
        width = palette.line_width(width)
        pen = pg.mkPen(color, width=width) if style is None else pg.mkPen(color, width=width, style=style)
        kwargs = {"symbol": symbol, "symbolSize": palette.marker_size(7), "symbolBrush": color, "symbolPen": color} if symbol else {}
        item = self.plot([], [], name=name, pen=pen, antialias=not busy, **kwargs)
        if not busy:
            item.curve.setCacheMode(CACHED)
            item.scatter.setCacheMode(CACHED)
        self._curves[name] = item
        self._buffers[name] = _Buffer()
        if hover:
            self._hover_names.append(name)

    def append(self, name: str, x: float, y: float) -> None:
        self._buffers[name].append(x, y)
        self._mark_dirty(name)

    def extend(self, name: str, xs, ys) -> None:
        """Append many points at once (a chunk of per-batch values)."""
        self._buffers[name].extend(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
        self._mark_dirty(name)

    def _mark_dirty(self, name: str) -> None:
        self._dirty.add(name)
        if not self._timer.isActive():
            self._timer.start()

    def clear_data(self) -> None:
        for name in self._buffers:
            self._buffers[name] = _Buffer()
            self._curves[name].setData([], [])
        self._dirty.clear()
        self._pending_mark = None
        self._x_extent = self._y_range = None
        self._x_planned = False
        self._steady = True
        view = self.getPlotItem().getViewBox()
        view.disableAutoRange(pg.ViewBox.XAxis)
        if not self._log_y:  # on a log scale pyqtgraph keeps fitting y (see set_log_y)
            view.disableAutoRange(pg.ViewBox.YAxis)
        self.mark_x(None)
        self._hide_readout()

    def set_x_extent(self, x0: float, x1: float) -> None:
        """Show x from ``x0`` to ``x1`` (the run's epochs) from the start: the curves fill it in."""
        self._x_extent = (x0, x1)
        self._x_planned = True
        if self._steady:
            self.setXRange(x0, x1, padding=0.02)

    def redraw(self) -> None:
        if not self._dirty or not self.isVisible():
            return  # a hidden plot keeps its points and catches up when shown
        for name in self._dirty:
            buf = self._buffers[name]
            xs, ys, connect = drawable(buf.x[: buf.n], buf.y[: buf.n], self._log_y)
            self._curves[name].setData(xs, ys, connect=connect, skipFiniteCheck=True)
        self._dirty.clear()
        if self._steady:
            self._steady_x()
            if not self._log_y:
                self._steady_y()
        if self._pending_mark is not None:  # the best-epoch line moves with the points, not ahead of them
            self._apply_mark(*self._pending_mark)
            self._pending_mark = None

    def refit(self) -> None:
        """Frame the data afresh (at the end of a run: the jumps may have left the curves near an edge, and
        without a planned width, growing by half may have left a third of the plot empty)."""
        self._y_range = None
        if not self._x_planned:
            self._x_extent = None  # the next fit spans exactly the data
        self._dirty.update(self._curves)
        self.redraw()

    def _steady_x(self) -> None:
        xs = [buf.x[buf.n - 1] for buf in self._buffers.values() if buf.n]
        if not xs:
            return
        x0, x1 = self._x_extent or (0.0, 0.0)
        if self._x_extent is None or max(xs) > x1:  # no plan, or past it (more epochs): grow by half
            x1 = max(max(xs), x1 + 0.5 * (x1 - x0), 1.0)
            self._x_extent = (x0, x1)
            self.setXRange(x0, x1, padding=0.02)

    def _steady_y(self) -> None:
        lo = min(buf.lo for buf in self._buffers.values())
        hi = max(buf.hi for buf in self._buffers.values())
        if not lo <= hi:
            return  # nothing finite yet
        shown = self._y_range
        if shown is not None and shown[0] <= lo and hi <= shown[1] and hi - lo >= TIGHTEN_BELOW * (shown[1] - shown[0]):
            return  # the data still fills the view well: leave the axes (and their cached drawing) alone
        span = hi - lo or max(abs(hi), 1.0) * 0.1
        bottom = lo - HEADROOM * span
        if lo >= 0 > bottom:
            bottom = 0.0  # losses, accuracies and errors never go below zero
        self._y_range = (bottom, hi + 0.08 * span)
        self.setYRange(*self._y_range, padding=0)

    def _user_moved_range(self, *_: object) -> None:
        self._steady = False  # a hand zoom or pan wins; "A" in the corner turns pyqtgraph's auto-range on

    def curve_data(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """The points currently held for ``name`` (what the curve shows after the next redraw)."""
        buf = self._buffers[name]
        return buf.x[: buf.n].copy(), buf.y[: buf.n].copy()

    def curve(self, name: str) -> pg.PlotDataItem:
        return self._curves[name]

    def curve_names(self) -> list[str]:
        return list(self._curves)

    # ------------------------------------------------------------------ log scale and marker
    @property
    def log_y(self) -> bool:
        return self._log_y

    def set_log_y(self, on: bool) -> None:
        self._log_y = on
        self.setLogMode(y=on)
        view = self.getPlotItem().getViewBox()
        # Log scale: pyqtgraph fits the range itself; linear: the steady range, fitted afresh.
        if on:
            view.enableAutoRange(y=True)
        else:
            view.disableAutoRange(pg.ViewBox.YAxis)
            self._y_range = None
        self._dirty.update(self._curves)
        self.redraw()

    def mark_x(self, x: float | None, label: str = "") -> None:
        """A dashed vertical line at ``x`` (e.g. the best epoch), drawn with the next points; None removes it."""
        self.marked_x = x
        if self._dirty:
            self._pending_mark = (x, label)
        else:
            self._apply_mark(x, label)

    def _apply_mark(self, x: float | None, label: str) -> None:
        if x is None:
            if self._marker is not None:
                self._marker.hide()
            return
        if self._marker is None:
            self._marker = pg.InfiniteLine(
                angle=90, movable=False, pen=palette.role_pen("good", 2, dashed=True),
                label=label, labelOpts={"position": self._mark_label_at, "color": palette.role("good_text"), "fill": (255, 255, 255, 200)},
            )
            self.addItem(self._marker, ignoreBounds=True)
        self._marker.setValue(x)
        self._marker.label.setFormat(label)
        self._marker.show()

    # ------------------------------------------------------------------ hover readout
    def readout_at(self, x: float, y: float) -> str:
        """The exact value of the point nearest to view position (x, y), or "" when none is close."""
        vb = self.getPlotItem().getViewBox()
        (x0, x1), (y0, y1) = vb.viewRange()
        width, height = max(vb.width(), 1.0), max(vb.height(), 1.0)
        sx, sy = width / max(x1 - x0, 1e-12), height / max(y1 - y0, 1e-12)
        best, text = HOVER_PIXELS**2, ""
        for name in self._hover_names:
            if not self._curves[name].isVisible():
                continue
            buf = self._buffers[name]
            if buf.n == 0:
                continue
            ys = buf.y[: buf.n]
            if self._log_y:
                with np.errstate(divide="ignore", invalid="ignore"):
                    ys = np.log10(ys)
            d2 = ((buf.x[: buf.n] - x) * sx) ** 2 + ((ys - y) * sy) ** 2
            d2 = np.where(np.isfinite(d2), d2, np.inf)
            i = int(np.argmin(d2))
            if d2[i] < best:
                best = d2[i]
                text = f"{name}\n{self.x_label} {_fmt(buf.x[i])}: {_fmt(buf.y[i])}"
        return text

    def _on_mouse_moved(self, pos: QPointF) -> None:
        vb = self.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(pos):
            self._hide_readout()
            return
        point = vb.mapSceneToView(pos)
        self.show_readout(point.x(), point.y())

    def show_readout(self, x: float, y: float) -> str:
        text = self.readout_at(x, y)
        self.readout = text
        if text:
            self._readout_item.setText(text)
            self._readout_item.setPos(x, y)
            self._readout_item.show()
        else:
            self._readout_item.hide()
        return text

    def _hide_readout(self) -> None:
        self.readout = ""
        self._readout_item.hide()


def drawable(xs: np.ndarray, ys: np.ndarray, log_y: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | str]:
    """The points that can be drawn (finite, and positive on a log scale), with a ``connect`` array that
    leaves a gap where points were dropped. NaN handed to pyqtgraph is drawn as nothing anyway, but an
    all-NaN curve (validation loss without a validation split, a diverged run) made its bounds print
    "All-NaN slice encountered" on every repaint."""
    keep = np.isfinite(ys) & np.isfinite(xs)
    if log_y:
        keep &= ys > 0
    if keep.all():
        return xs, ys, "all"
    index = np.flatnonzero(keep)
    connect = np.zeros(len(index), dtype=bool)
    connect[:-1] = np.diff(index) == 1  # a dropped point breaks the line there
    return xs[index], ys[index], connect


def _fmt(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.4g}" if abs(value) < 1e-3 or abs(value) >= 1e4 else f"{value:.4f}"
