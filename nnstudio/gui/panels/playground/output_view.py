"""The Playground's output: the decision boundary (any number of classes) or the fitted surface over the
plane with the train and test points, or for one input the fitted curve over the data; a hovered neuron's
picture takes the output's place while the mouse is on it. Below: the losses as numbers and a small curve.

The plane view is :class:`~nnstudio.gui.widgets.boundary_view.BoundaryView` (image under the points),
coloured from :mod:`nnstudio.gui.palette` by :mod:`.colours`.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, QSize, Signal
from PySide6.QtWidgets import QGraphicsItem, QLabel, QSizePolicy, QStackedWidget, QVBoxLayout, QWidget

from nnstudio.core.insight.grid import Plane
from nnstudio.core.playground.frames import Frame, Surface
from nnstudio.gui import palette
from nnstudio.gui.panels.playground.colours import class_colours, diverging, rgb, signed_colours
from nnstudio.gui.widgets.boundary_view import BoundaryView

CURVE_POINTS = 400  # loss history kept for the small curve
CURVE_EVERY = 4  # frames between redraws of the curve (its axes are a frame's costliest paint after the graph)


def point_brushes(y: np.ndarray, classes: int, value_range: tuple[float, float] | None) -> list:
    if classes:
        return [pg.mkBrush(palette.color(int(k))) for k in y]
    lo, hi = value_range or (0.0, 1.0)
    colours = diverging((np.asarray(y, float) - (lo + hi) / 2) / max((hi - lo) / 2, 1e-9), 1.0)
    return [pg.mkBrush(*c) for c in colours]


class PlaneOutput(BoundaryView):
    """The boundary or surface over the plane, with the train (white rim) and test (dark rim) points."""

    painted = Signal()  # a paint finished: the frame it shows is on screen

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        self.painted.emit()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Output", parent)
        self.setObjectName("playgroundPlane")
        # Only the image changes from frame to frame: the points, axes, title and legend are drawn once into a
        # pixmap each and copied at every paint (their own drawing was most of the plane's per-frame paint).
        plot = self.getPlotItem()
        for item in (self.train_points, self.test_points, plot.legend, plot.titleLabel,
                     *(plot.getAxis(side) for side in ("left", "bottom", "top", "right"))):
            if item is not None:
                item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.discrete = False
        self.showing_neuron = False

    def set_plane(self, plane: Plane | None, classes: int) -> None:
        super().set_plane(plane, classes)
        if plane is not None:  # the palette's class colours, as the boundary uses
            self.train_points.setBrush(point_brushes(plane.train_y, classes, self.value_range))
            self.test_points.setBrush(point_brushes(plane.test_y, classes, self.value_range))

    def show_output(self, frame: Frame, surface: Surface) -> None:
        if frame.probs is not None:
            self.colours = class_colours(frame.probs, self.discrete)
        else:
            lo, hi = self.value_range or (float(np.nanmin(frame.output)), float(np.nanmax(frame.output)))
            self.colours = signed_colours(frame.output - (lo + hi) / 2, max((hi - lo) / 2, 1e-9), self.discrete)
        self.showing_neuron = False
        self._paint(surface)

    def show_neuron(self, values: np.ndarray, scale: float, surface: Surface) -> None:
        self.colours_neuron = signed_colours(values, scale)
        self.showing_neuron = True
        self.image.setImage(self.colours_neuron, autoLevels=False)
        self._place(surface)

    def _paint(self, surface: Surface) -> None:
        self.image.setImage(self.colours, autoLevels=False)
        self._place(surface)

    def _place(self, surface: Surface) -> None:
        xs, ys = surface.xs, surface.ys
        self.image.setRect(QRectF(xs[0], ys[0], xs[-1] - xs[0], ys[-1] - ys[0]))

    def set_test_visible(self, on: bool) -> None:
        self.test_points.setVisible(on)


class LineOutput(pg.PlotWidget):
    """One input: the data as (x, target) points and the network's fitted curve (or a hovered neuron's)."""

    painted = Signal()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        self.painted.emit()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent=parent, background="w")
        self.setObjectName("playgroundLine")
        self.setMenuEnabled(False)
        self.setTitle("Output", color="#333", size="11pt")
        self.train_points = pg.ScatterPlotItem(size=7, pen=pg.mkPen("w", width=1), brush=pg.mkBrush(palette.color(0)))
        self.test_points = pg.ScatterPlotItem(size=7, symbol="s", pen=pg.mkPen("#222", width=1),
                                              brush=pg.mkBrush(palette.color(1)))
        self.fit_curve = pg.PlotDataItem(pen=pg.mkPen(palette.color(6), width=3))
        self.neuron_curve = pg.PlotDataItem(pen=pg.mkPen(palette.color(3), width=2, style=palette.line_style(10)))
        for item in (self.train_points, self.test_points, self.fit_curve, self.neuron_curve):
            self.addItem(item)
        self.curve_y: np.ndarray | None = None

    def set_points(self, plane: Plane) -> None:
        self.train_points.setData(plane.train_x[:, 0], plane.train_x[:, 1])
        self.test_points.setData(plane.test_x[:, 0], plane.test_x[:, 1])
        names = plane.feature_names or ["x"]
        self.setLabel("bottom", names[0])
        self.setLabel("left", "target")
        self.setXRange(*plane.x_range, padding=0)
        self.setYRange(*plane.y_range, padding=0.05)

    def show_output(self, frame: Frame, surface: Surface) -> None:
        self.curve_y = np.asarray(frame.output, float)
        self.fit_curve.setData(surface.xs, self.curve_y)
        self.neuron_curve.setData([], [])

    def show_neuron(self, values: np.ndarray, scale: float, surface: Surface) -> None:
        lo, hi = surface.plane.y_range
        self.neuron_curve.setData(surface.xs, (lo + hi) / 2 + values / max(scale, 1e-9) * (hi - lo) / 2 * 0.9)

    def set_test_visible(self, on: bool) -> None:
        self.test_points.setVisible(on)


class SteadyText(QWidget):
    """Holds a label whose text changes at every frame, with no layout of its own: a label in a layout asks
    the whole window to be laid out again at each new text (QWidget.updateGeometry), 0.7 ms of the GUI
    thread a frame. The holder is as tall as the label needs at its width, checked when the width, the font
    or the text (:meth:`fit`) change."""

    def __init__(self, label: QLabel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        label.setParent(self)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.label.sizeHint()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.label.minimumSizeHint()

    def fit(self) -> None:
        needed = self.label.heightForWidth(self.width()) if self.label.wordWrap() else -1
        height = needed if needed > 0 else self.label.sizeHint().height()
        if height != self.height() or self.maximumHeight() != height:
            self.setFixedHeight(height)
        self.label.setGeometry(self.rect())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.fit()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.fit()


class LossPanel(QWidget):
    """Test and training loss as numbers and a small curve of both."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.numbers = QLabel()
        self.numbers.setObjectName("playgroundLosses")
        self.numbers.setWordWrap(True)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setObjectName("playgroundLossCurve")
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setFixedHeight(80)
        self.plot.getAxis("bottom").setStyle(showValues=False)
        self.test_line = self.plot.plot(pen=palette.pen(6, 2))
        self.train_line = self.plot.plot(pen=palette.pen(4, 2))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.numbers_box = SteadyText(self.numbers)
        layout.addWidget(self.numbers_box)
        layout.addWidget(self.plot)
        self.clear()

    def clear(self) -> None:
        self.train: list[float] = []
        self.test: list[float] = []
        self.train_line.setData([], [])
        self.test_line.setData([], [])
        self.numbers.setText("Test loss —   Training loss —")
        self.numbers_box.fit()

    def add(self, frame: Frame) -> None:
        self.train.append(frame.train_loss)
        self.test.append(frame.test_loss)
        del self.train[:-CURVE_POINTS], self.test[:-CURVE_POINTS]
        if len(self.train) % CURVE_EVERY == 1 or frame.steps == 0:  # the curve (axes and all) every few frames
            self.train_line.setData(np.asarray(self.train, float))
            if any(math.isfinite(v) for v in self.test):
                self.test_line.setData(np.asarray(self.test, float))
        self.numbers.setText(
            f"<span style='color:{palette.color(6)}'>Test loss <b>{_loss(frame.test_loss)}</b></span>&nbsp;&nbsp; "
            f"<span style='color:{palette.color(4)}'>Training loss <b>{_loss(frame.train_loss)}</b></span>")
        if len(self.train) % CURVE_EVERY == 1:  # a longer number may wrap: now and then, not every frame
            self.numbers_box.fit()


def _loss(value: float) -> str:
    return f"{value:.3f}" if math.isfinite(value) else "—"


class OutputArea(QWidget):
    """The plane or the line view (whichever the data needs) above the losses."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plane_view = PlaneOutput()
        self.line_view = LineOutput()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.plane_view)
        self.stack.addWidget(self.line_view)
        self.losses = LossPanel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.losses)
        layout.addWidget(self.stack, 1)
        self.surface: Surface | None = None
        self.frame: Frame | None = None

    @property
    def view(self) -> PlaneOutput | LineOutput:
        return self.line_view if self.surface is not None and self.surface.dims == 1 else self.plane_view

    def set_surface(self, surface: Surface | None, classes: int) -> None:
        self.surface, self.frame = surface, None
        self.losses.clear()
        if surface is None:
            self.plane_view.set_plane(None, classes)
            return
        if surface.dims == 1:
            self.line_view.set_points(surface.plane)
        else:
            self.plane_view.set_plane(surface.plane, classes)
        self.stack.setCurrentWidget(self.view)

    def show_frame(self, frame: Frame) -> None:
        self.frame = frame
        if self.surface is not None:
            self.view.show_output(frame, self.surface)
        self.losses.add(frame)

    def show_neuron(self, values: np.ndarray | None, scale: float) -> None:
        """The hovered neuron in the output's place (None: back to the output)."""
        if self.surface is None:
            return
        if values is None:
            if self.frame is not None:
                self.view.show_output(self.frame, self.surface)
            return
        self.view.show_neuron(values, scale, self.surface)


__all__ = ["LineOutput", "LossPanel", "OutputArea", "PlaneOutput", "rgb"]
