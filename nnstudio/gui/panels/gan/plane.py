"""The plane of a 2-D GAN, as GAN Lab draws it: the real points, the generated ones, the discriminator's
verdict as a heatmap and the generator's push as arrows. What it draws is a :class:`PlaneSnapshot`, computed
by :func:`plane_snapshot` in the thread that trains the GAN (the Training tab's run) or right here (the GAN
view's Step buttons), so a view never reads networks that another thread is updating."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
import torch
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QWidget

from nnstudio.core.generative.gan import GanTrainer
from nnstudio.gui import palette
from nnstudio.gui.widgets.boundary_view import diverging

RESOLUTION = 80  # heatmap cells per side
ARROWS = 60  # generated points that carry an arrow (all of them would hide the plane)
TITLE = "Real points (dark), generated (orange); shade: D says real (blue), fake (orange)"


@dataclass(frozen=True)
class PlaneSnapshot:
    verdict: np.ndarray  # RESOLUTION x RESOLUTION: D's probability that the cell's point is real
    points: np.ndarray  # the generated points of the fixed noise, n x 2
    push: np.ndarray  # at each, the direction a generator step moves it


def plane_bounds(real: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The plane's corners: the real points' box with a margin, so the fakes can be seen arriving."""
    pad = 0.25 * max(float(np.ptp(real[:, 0])), float(np.ptp(real[:, 1])), 1e-6)
    return real.min(0) - pad, real.max(0) + pad


def plane_snapshot(trainer: GanTrainer, lo: np.ndarray, hi: np.ndarray) -> PlaneSnapshot:
    """What the plane shows now (call it in the thread that trains ``trainer``)."""
    xs = np.linspace(lo[0], hi[0], RESOLUTION)
    ys = np.linspace(lo[1], hi[1], RESOLUTION)
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    grid = torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)
    verdict = trainer.verdict(grid).numpy().reshape(RESOLUTION, RESOLUTION)
    points, push = (t.numpy() for t in trainer.generator_push())
    return PlaneSnapshot(verdict, points, push)


class GanPlane(pg.PlotWidget):
    """The real points from the start; :meth:`show_snapshot` draws the generated points, verdict and push."""

    def __init__(self, real: np.ndarray, parent: QWidget | None = None) -> None:
        super().__init__(parent, title=TITLE)
        self.setObjectName("ganPlane")
        self.lo, self.hi = plane_bounds(real)
        self.setAspectLocked(True)
        self.setMenuEnabled(False)
        self.heatmap = pg.ImageItem(axisOrder="col-major")  # image[i, j] is the cell at (xs[i], ys[j])
        self.addItem(self.heatmap)
        self.real_points = pg.ScatterPlotItem(real[:, 0], real[:, 1], size=palette.marker_size(4),
                                              brush=pg.mkBrush(palette.role("ink")), pen=None)
        self.arrows = pg.PlotDataItem(connect="pairs", pen=palette.role_pen("muted", palette.line_width(1.2)))
        self.fake_points = pg.ScatterPlotItem(size=palette.marker_size(6), brush=pg.mkBrush(palette.role("negative")),
                                              pen=pg.mkPen("w", width=0.8))
        for item in (self.real_points, self.arrows, self.fake_points):
            self.addItem(item)

    def snapshot(self, trainer: GanTrainer) -> PlaneSnapshot:
        return plane_snapshot(trainer, self.lo, self.hi)

    def show_snapshot(self, snap: PlaneSnapshot) -> None:
        lo, hi = self.lo, self.hi
        # Real-looking (D near 1) in the positive colour, fake-looking in the negative one, white where unsure.
        self.heatmap.setImage(diverging(2 * snap.verdict - 1, 0.55), levels=(0, 255))
        self.heatmap.setRect(QRectF(float(lo[0]), float(lo[1]), float(hi[0] - lo[0]), float(hi[1] - lo[1])))
        points, push = snap.points, snap.push
        self.fake_points.setData(points[:, 0], points[:, 1])
        shown = points[:ARROWS]
        longest = float(np.abs(push[:ARROWS]).max()) or 1.0
        scale = 0.08 * float(np.max(hi - lo)) / longest
        ends = shown + scale * push[:ARROWS]
        self.arrows.setData(np.column_stack([shown[:, 0], ends[:, 0]]).ravel(),
                            np.column_stack([shown[:, 1], ends[:, 1]]).ravel())

    def clear_fakes(self) -> None:
        """Only the real points (no run yet)."""
        self.heatmap.clear()
        self.fake_points.setData([], [])
        self.arrows.setData([], [])
