"""A VAE's latent plane: the test set's codes coloured by class, and what the decoder makes of the plane.

Left: each test example's code (the mean the encoder gives it), coloured by the class it shows; click two
dots to choose the ends of an interpolation. Right: the decoder's images on a grid over the same plane
(digits), or for 2-D data the density of the decoder's samples over the data plane. Below: a straight line
from A's code to B's, or new examples drawn from the prior ("Sample").
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from nnstudio.core.arch.layers_vae import latents
from nnstudio.core.interpret import vae_views
from nnstudio.gui import palette
from nnstudio.gui.palette import color
from nnstudio.gui.panels.interpret.jobs import Source
from nnstudio.gui.widgets.image_grid import ImageGrid

GRID = 9  # decoder images per side of the grid
SPAN = 2.5  # the grid covers [-SPAN, SPAN]^2: most of a standard normal's mass
STRIP = 8  # images in an interpolation or a draw of samples


GAP = 1  # pixels of grey between the tiles: 8x8 digits are narrow and run into each other without it


def mosaic(images: np.ndarray, n: int, gap: int = GAP) -> np.ndarray:
    """n*n images (H x W each, row by row from the top) as one picture, tiles ``gap`` grey pixels apart."""
    h, w = images.shape[-2:]
    out = np.full((n * (h + gap) - gap, n * (w + gap) - gap), 0.45, dtype=np.float32)
    for i, image in enumerate(images.reshape(n * n, h, w)):
        r, c = divmod(i, n)
        out[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = image
    return out


def shown_classes(source: Source) -> tuple[np.ndarray | None, list[str]]:
    """The class each test example shows when the data's target is not its class (a reconstruction: the digit
    each image is), and the classes' names; (None, []) when the data does not say."""
    bundle = source.bundle
    if bundle is None:
        return None, []
    split = "test" if len(bundle.test) else "validation"
    classes = bundle.meta.get("split_classes", {}).get(split)
    return (None if classes is None else np.asarray(classes)), list(bundle.meta.get("class_names", []))


def class_brushes(legend: pg.LegendItem, classes: np.ndarray, names: list[str]) -> list[QBrush]:
    """A brush per example by its class, and the legend filled with the classes' names."""
    legend.clear()
    for c, name in enumerate(names):
        legend.addItem(pg.ScatterPlotItem(brush=pg.mkBrush(color(c)), pen=None, size=9), name)
    return [pg.mkBrush(color(int(c))) for c in classes]


def _plot(name: str) -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plot.setObjectName(name)
    plot.setBackground("w")
    plot.setMenuEnabled(False)
    plot.setAspectLocked(True)
    return plot


class VaePane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("vaePane")
        self.source = Source()
        self.model: Any = None
        self.latent_size = 0
        self.grid_button = QPushButton("Decoder grid")
        self.grid_button.setObjectName("vaeGridButton")
        self.grid_button.setToolTip("Decode a grid of points over the latent plane")
        self.grid_button.clicked.connect(self.show_grid)
        self.sample_button = QPushButton("Sample")
        self.sample_button.setObjectName("vaeSampleButton")
        self.sample_button.setToolTip("Draw new codes from the standard normal and decode them")
        self.sample_button.clicked.connect(self.sample)
        self.interpolate_button = QPushButton("Interpolate A → B")
        self.interpolate_button.setObjectName("vaeInterpolateButton")
        self.interpolate_button.setToolTip("Decode the codes on the straight line between the two chosen examples")
        self.interpolate_button.clicked.connect(self.interpolate)
        self.status = QLabel()
        self.status.setObjectName("vaeStatus")
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        for button in (self.grid_button, self.sample_button, self.interpolate_button):
            row.addWidget(button)
        row.addStretch(1)
        self.codes_plot = _plot("vaeCodesPlot")
        self.codes_plot.setTitle("Test examples' codes (colour: class)")
        self.codes = pg.ScatterPlotItem(size=8, pen=None)
        self.codes.sigClicked.connect(self._clicked)
        self.codes_plot.addItem(self.codes)
        self.ends = pg.ScatterPlotItem(size=18, brush=pg.mkBrush(None), pen=pg.mkPen("#000", width=2.5))
        self.codes_plot.addItem(self.ends)
        self.path = pg.PlotDataItem(pen=pg.mkPen("#000", width=2, style=pg.QtCore.Qt.PenStyle.DashLine))
        self.codes_plot.addItem(self.path)
        self.legend = self.codes_plot.addLegend(offset=(8, 8))
        self.output_plot = _plot("vaeOutputPlot")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.output_plot.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(255, 255, 255, 170))  # the test data
        self.drawn = pg.ScatterPlotItem(size=7, pen=pg.mkPen("#000", width=0.5), brush=pg.mkBrush(color(1)))
        self.output_plot.addItem(self.points)
        self.output_plot.addItem(self.drawn)
        plots = QHBoxLayout()
        plots.addWidget(self.codes_plot, 1)
        plots.addWidget(self.output_plot, 1)
        self.strip = ImageGrid(columns=STRIP, cell=64)
        self.strip.setObjectName("vaeStrip")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addLayout(plots, 1)
        layout.addWidget(self.strip)
        self.picked: list[int] = []  # test examples chosen as A and B
        self.z = np.zeros((0, 2), np.float32)
        self.grid_images: np.ndarray | None = None
        palette.subscribe(self._colour_codes)  # presentation mode: each class in its own projector colour

    # ------------------------------------------------------------------ data
    @property
    def image_data(self) -> bool:
        return bool(self.source.subject is not None and self.source.subject.spatial)

    def set_source(self, source: Source) -> bool:
        """Show ``source``'s network if it is a VAE with a 2-D latent; False (and nothing shown) otherwise."""
        self.source = source
        model = source.model
        found = latents(model) if model is not None and not source.reason() else []
        if not found or vae_views.split_vae(model) is None:
            self.model = None
            return False
        self.model, self.latent_size = model, found[0].size
        self.picked = []
        self.strip.set_images(np.zeros((0, 1, 1)), [])
        self.strip.setVisible(self.image_data)  # 2-D data: samples and interpolations are drawn on the plane
        self.drawn.clear()
        self._show_codes()
        if self.image_data:
            self.show_grid()
        else:
            self.show_density()
        return True

    def _show_codes(self) -> None:
        x, _ = self.source.test_xy()
        self.z = vae_views.encode(self.model, x)[:, :2]
        self._colour_codes()
        self.ends.clear()
        self.path.clear()
        self.codes_plot.autoRange()
        dims = "" if self.latent_size == 2 else f" (the first 2 of its {self.latent_size} numbers)"
        self.status.setText(
            f"{len(self.z)} test examples at their codes{dims}. Click two dots to choose A and B for an interpolation.")

    def _colour_codes(self) -> None:
        """The codes' dots by class in the palette of the moment (presentation mode has its own hues)."""
        if self.model is None:
            return
        classes, names = shown_classes(self.source)
        self.legend.clear()
        if classes is not None:
            brushes = class_brushes(self.legend, classes, names)
        else:
            brushes = [pg.mkBrush(color(0))] * len(self.z)
        self.codes.setData(pos=self.z, brush=brushes, data=list(range(len(self.z))))

    # ------------------------------------------------------------------ views
    def show_grid(self) -> None:
        """The decoder's image at each point of a GRID x GRID grid over [-SPAN, SPAN]^2 of the latent plane."""
        if self.model is None or not self.image_data or self.latent_size != 2:
            return
        z, out = vae_views.decoder_grid(self.model, GRID, SPAN)
        shape = self.source.bundle.input_shape
        self.grid_images = out.reshape(len(z), *shape[-2:])
        self.image.setImage(mosaic(self.grid_images, GRID)[::-1], levels=(0.0, 1.0))  # row 0 at the bottom
        self.image.setRect(QRectF(-SPAN, -SPAN, 2 * SPAN, 2 * SPAN))
        self.image.setLookupTable(None)
        self.output_plot.setTitle(f"Decoder's images on a {GRID}×{GRID} grid over the latent plane")
        self.output_plot.autoRange()

    def show_density(self) -> None:
        """2-D data: where the decoder's samples land (a heatmap over the data plane), with the test points on it."""
        if self.model is None:
            return
        x, _ = self.source.test_xy()
        lo, hi = x.min(0) - 0.5, x.max(0) + 0.5
        extent = (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))
        density = vae_views.output_density(self.model, self.latent_size, extent)
        self.image.setImage(density, levels=(0.0, float(density.max()) or 1.0))
        self.image.setLookupTable(pg.colormap.get("viridis").getLookupTable(nPts=256))
        self.image.setRect(QRectF(extent[0], extent[2], extent[1] - extent[0], extent[3] - extent[2]))
        self.points.setData(pos=x[:, :2])
        self.output_plot.setTitle("Density of the decoder's samples over the data plane (white: test data)")
        self.output_plot.autoRange()

    def sample(self) -> None:
        """New examples: codes drawn from the prior, decoded (images below, or points on the data plane)."""
        if self.model is None:
            return
        self._seed = getattr(self, "_seed", 0) + 1
        z, out = vae_views.samples(self.model, STRIP if self.image_data else 200, self.latent_size, self._seed)
        if self.image_data:
            self._strip(out, [f"({a:.1f}, {b:.1f})" for a, b in z[:, :2]])
        else:
            self.drawn.setData(pos=out[:, :2])
        where = "" if self.image_data else " (orange dots on the right)"
        self.status.setText(f"{len(z)} codes drawn from the standard normal and decoded{where}.")

    def interpolate(self) -> None:
        if self.model is None or len(self.picked) < 2:
            self.status.setText("Click two dots in the codes plot first (A, then B).")
            return
        x, _ = self.source.test_xy()
        a, b = self.picked[-2:]
        z, out = vae_views.interpolation(self.model, x[a], x[b], STRIP)
        self.path.setData(z[:, 0], z[:, 1])
        if self.image_data:
            self._strip(out, ["A", *[f"{i / (STRIP - 1):.2f}" for i in range(1, STRIP - 1)], "B"])
        else:
            self.drawn.setData(pos=out[:, :2])
        where = "" if self.image_data else " (orange dots on the right)"
        self.status.setText(f"The straight line from test example {a}'s code (A) to example {b}'s (B), decoded{where}.")

    def _strip(self, out: np.ndarray, captions: list[str]) -> None:
        shape = self.source.bundle.input_shape
        self.strip.set_images(out.reshape(len(out), *shape[-2:]), captions)

    def pick(self, i: int) -> None:
        """Choose test example ``i`` as the next end (A, then B) of the interpolation."""
        self.picked = [*self.picked[-1:], i]
        self.ends.setData(pos=self.z[self.picked])

    def _clicked(self, _item: Any, points: Any, _event: Any = None) -> None:
        if points is not None and len(points):
            self.pick(int(points[0].data()))
