"""A 2-D scatter coloured by class that can also be drawn on: click adds a point of the chosen class,
dragging erases the points under the cursor. Pan and zoom work as usual while drawing is off."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QWidget

from nnstudio.gui.palette import color

ERASE_RADIUS_PX = 14


def class_brush(index: int) -> pg.QtGui.QBrush:
    return pg.mkBrush(color(index))


class _Points(pg.ScatterPlotItem):
    """Points that let clicks through: a click on an existing point must add a new one, not select it."""

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - Qt naming
        ev.ignore()


class _DrawViewBox(pg.ViewBox):
    """A view box that hands clicks and drags to the canvas while drawing is on."""

    def __init__(self, canvas: ScatterCanvas) -> None:
        super().__init__()
        self._canvas = canvas

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - Qt naming
        if self._canvas.drawing and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            self._canvas.add_point(self.mapSceneToView(ev.scenePos()))
            return
        super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None) -> None:  # noqa: N802 - Qt naming
        if self._canvas.drawing and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            # Erase along the whole stroke segment, from where the button went down on the first event:
            # fast strokes skip pixels between events.
            start = ev.buttonDownScenePos() if ev.isStart() else ev.lastScenePos()
            self._canvas.erase_along(start, ev.scenePos())
            if ev.isFinish():
                self._canvas.points_edited.emit()
            return
        super().mouseDragEvent(ev, axis)


class ScatterCanvas(pg.PlotWidget):
    """Scatter of (x, y) points with integer class labels (or -1 for 'no class', e.g. regression)."""

    points_edited = Signal()  # a drawing stroke finished: read ``points()``

    def __init__(self, parent: QWidget | None = None) -> None:
        view = _DrawViewBox(self)  # only stored: the canvas is used once events arrive
        super().__init__(parent=parent, background="w", viewBox=view)
        self._view = view
        self.plotItem.showGrid(x=True, y=True, alpha=0.25)
        for side in ("bottom", "left"):
            self.plotItem.getAxis(side).enableAutoSIPrefix(False)  # "x1 (x0.001)" confuses more than it helps
        self.plotItem.setMenuEnabled(False)
        self.legend = self.plotItem.addLegend(offset=(-10, 10))
        self.drawing = False
        self.current_class = 0
        self.class_names: list[str] = []
        self._xy = np.zeros((0, 2), dtype=np.float32)
        self._labels = np.zeros(0, dtype=np.int64)
        self._items: list[pg.ScatterPlotItem] = []

    # ------------------------------------------------------------------ data
    def set_points(self, xy: np.ndarray, labels: np.ndarray, class_names: list[str], axis_names: tuple[str, str] = ("x1", "x2")) -> None:
        self._xy = np.asarray(xy, dtype=np.float32).reshape(-1, 2)
        self._labels = np.asarray(labels, dtype=np.int64).reshape(-1)
        self.class_names = list(class_names)
        self.plotItem.setLabel("bottom", axis_names[0])
        self.plotItem.setLabel("left", axis_names[1])
        self._redraw()
        self.plotItem.autoRange()

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        return self._xy.copy(), self._labels.copy()

    def set_drawing(self, on: bool) -> None:
        self.drawing = on
        if on:
            # A still canvas with room around the points: auto-range would jump with every click.
            lo = np.minimum(self._xy.min(axis=0), -1.0) if len(self._xy) else np.array([-1.0, -1.0])
            hi = np.maximum(self._xy.max(axis=0), 1.0) if len(self._xy) else np.array([1.0, 1.0])
            self._view.setRange(xRange=(float(lo[0]), float(hi[0])), yRange=(float(lo[1]), float(hi[1])), padding=0.1)
            self._view.disableAutoRange()
        else:
            self._view.enableAutoRange()
        self.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)

    def add_point(self, pos: QPointF) -> None:
        self._xy = np.vstack([self._xy, [[pos.x(), pos.y()]]]).astype(np.float32)
        self._labels = np.append(self._labels, self.current_class)
        self._redraw()
        self.points_edited.emit()

    def erase_along(self, a: QPointF, b: QPointF) -> None:
        steps = max(1, int(np.hypot(b.x() - a.x(), b.y() - a.y()) / (ERASE_RADIUS_PX / 2)))
        for t in np.linspace(0.0, 1.0, steps + 1):
            self.erase_near(QPointF(a.x() + (b.x() - a.x()) * t, a.y() + (b.y() - a.y()) * t))

    def erase_near(self, scene_pos: QPointF) -> None:
        if not len(self._xy):
            return
        centre = self._view.mapSceneToView(scene_pos)
        # The radius is in screen pixels, so erasing feels the same at every zoom level.
        px = self._view.viewPixelSize()
        d = np.hypot((self._xy[:, 0] - centre.x()) / px[0], (self._xy[:, 1] - centre.y()) / px[1])
        keep = d > ERASE_RADIUS_PX
        if not keep.all():
            self._xy, self._labels = self._xy[keep], self._labels[keep]
            self._redraw()

    def clear_points(self) -> None:
        self.set_points(np.zeros((0, 2)), np.zeros(0), self.class_names)

    def _redraw(self) -> None:
        for item in self._items:
            self.plotItem.removeItem(item)
        self._items.clear()
        self.legend.clear()
        classes = sorted(set(self._labels.tolist()) | set(range(len(self.class_names))))
        for c in classes:
            mask = self._labels == c
            name = self.class_names[c] if 0 <= c < len(self.class_names) else "examples"
            item = _Points(
                self._xy[mask, 0], self._xy[mask, 1], size=9, brush=class_brush(max(c, 0)),
                pen=pg.mkPen("#ffffff", width=0.8), name=f"{name} ({int(mask.sum())})",
            )
            self.plotItem.addItem(item)
            self._items.append(item)
