"""The decision boundary (or regression surface) over the raw input plane, TensorFlow Playground style:
soft class colours whose strength is the model's confidence, with the training points (white rim) and
test points (dark rim) on top. (The per-neuron maps are in :mod:`nnstudio.gui.widgets.neuron_maps`.)"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QWidget

from nnstudio.core.insight.grid import BoundaryGrid, Plane
from nnstudio.gui import palette

WHITE = np.array([255, 255, 255], float)


def negative() -> np.ndarray:
    return np.array(palette.rgb(palette.role("negative")), float)


def positive() -> np.ndarray:
    return np.array(palette.rgb(palette.role("positive")), float)


def class_rgb(k: int) -> np.ndarray:
    """Class ``k``'s colour: the palette's, as every other plot of classes."""
    return np.array(palette.rgb(palette.color(k)), float)


def diverging(t: np.ndarray, strength: float = 0.85, low: np.ndarray | None = None, high: np.ndarray | None = None) -> np.ndarray:
    """t in [-1, 1] -> ``low`` (orange unless given) ... white ... ``high`` (blue), as uint8 RGB."""
    t = np.clip(np.nan_to_num(t), -1, 1)[..., None]
    colour = np.where(t < 0, negative() if low is None else low, positive() if high is None else high)
    return (WHITE + (colour - WHITE) * np.abs(t) * strength).astype(np.uint8)


def grid_colours(grid: BoundaryGrid, value_range: tuple[float, float] | None = None) -> np.ndarray:
    """(res, res, 3) uint8 for a boundary grid."""
    if grid.probs is None:  # regression: centre the colours on the middle of the targets' range
        lo, hi = value_range or (float(np.nanmin(grid.values)), float(np.nanmax(grid.values)))
        mid, half = (lo + hi) / 2, max((hi - lo) / 2, 1e-9)
        return diverging((grid.values - mid) / half)
    classes = grid.probs.shape[-1]
    if classes == 2:  # class 0's colour, white where the model cannot tell, class 1's
        return diverging(2 * grid.probs[..., 1] - 1, 0.8, class_rgb(0), class_rgb(1))
    hues = np.array([class_rgb(k) for k in range(classes)])
    confidence = (grid.probs.max(-1) - 1 / classes) / (1 - 1 / classes)
    colour = hues[grid.values]
    return (WHITE + (colour - WHITE) * (0.15 + 0.65 * confidence[..., None])).astype(np.uint8)


def point_colours(y: np.ndarray, classes: int, value_range: tuple[float, float] | None) -> list:
    if classes:
        return [pg.mkBrush(palette.color(int(k))) for k in y]
    lo, hi = value_range or (0.0, 1.0)
    rgb = diverging((np.asarray(y, float) - (lo + hi) / 2) / max((hi - lo) / 2, 1e-9), 1.0)
    return [pg.mkBrush(*c) for c in rgb]


class BoundaryView(pg.PlotWidget):
    def __init__(self, title: str = "Decision boundary", parent: QWidget | None = None) -> None:
        super().__init__(parent=parent)
        self.setBackground("w")
        self.setTitle(title, color="#333", size="11pt")
        self.setAspectLocked(False)
        self.setMenuEnabled(False)
        self.showGrid(x=False, y=False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.image)
        self.train_points = pg.ScatterPlotItem(size=8, pen=pg.mkPen("w", width=1.2), name="train")
        self.test_points = pg.ScatterPlotItem(size=8, symbol="s", pen=pg.mkPen("#222", width=1.4), name="test")
        self.addItem(self.train_points)
        self.addItem(self.test_points)
        legend = self.addLegend(offset=(-6, 6), brush=pg.mkBrush(255, 255, 255, 210), pen=pg.mkPen("#aaa"),
                                labelTextColor="#222")
        legend.addItem(self.train_points, "train")
        legend.addItem(self.test_points, "test")
        self.plane: Plane | None = None
        self.classes = 0
        self.value_range: tuple[float, float] | None = None
        self.colours: np.ndarray | None = None  # what the image shows, for tests
        self.grid: BoundaryGrid | None = None
        palette.subscribe(self._recolour)

    def _recolour(self) -> None:
        """Presentation mode toggled: the points and the image in the new palette."""
        grid = self.grid
        if self.plane is not None:
            self.set_plane(self.plane, self.classes)
        if grid is not None and self.plane is not None:
            self.show_grid(grid)

    def set_plane(self, plane: Plane | None, classes: int) -> None:
        self.plane, self.classes = plane, classes
        self.image.clear()
        self.colours = self.grid = None
        if plane is None:
            self.train_points.clear()
            self.test_points.clear()
            return
        ys = np.concatenate([plane.train_y, plane.test_y]).astype(float)
        self.value_range = None if classes else (float(ys.min()), float(ys.max())) if len(ys) else None
        self.train_points.setData(plane.train_x[:, 0], plane.train_x[:, 1],
                                  brush=point_colours(plane.train_y, classes, self.value_range))
        self.test_points.setData(plane.test_x[:, 0], plane.test_x[:, 1],
                                 brush=point_colours(plane.test_y, classes, self.value_range))
        names = plane.feature_names or ["x1", "x2"]
        self.setLabel("bottom", names[0])
        self.setLabel("left", names[1] if len(names) > 1 else "x2")
        self.setXRange(*plane.x_range, padding=0)
        self.setYRange(*plane.y_range, padding=0)

    def show_grid(self, grid: BoundaryGrid) -> None:
        self.grid = grid
        self.colours = grid_colours(grid, self.value_range)
        self.image.setImage(self.colours, autoLevels=False)
        x0, x1 = grid.xs[0], grid.xs[-1]
        y0, y1 = grid.ys[0], grid.ys[-1]
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))

