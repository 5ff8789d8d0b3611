"""Attention weights as heatmaps, one per head: row q (query step) shows how much step q draws on each key step.
White is 0 and the palette's accent is 1, so every head reads on the same scale."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF

from nnstudio.gui import palette

MAX_HEADS = 8


def weight_table(n: int = 256) -> np.ndarray:
    """A white-to-accent lookup table (n x 3, uint8): the colours of attention weights 0..1."""
    end = np.array(palette.rgb(palette.role("accent")), dtype=np.float64)
    t = np.linspace(0.0, 1.0, n)[:, None]
    return np.round(255 + (end - 255) * t).astype(np.uint8)


class AttentionHeatmap(pg.GraphicsLayoutWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("attentionHeatmap")
        self.setBackground("w")
        self.weights = np.zeros((0, 0, 0))
        self.images: list[pg.ImageItem] = []

    def set_weights(self, weights: np.ndarray) -> None:
        """``weights``: heads x query steps x key steps, for one example."""
        self.clear()
        self.weights = np.asarray(weights, dtype=np.float64)
        self.images = []
        table = weight_table()
        for h, matrix in enumerate(self.weights[:MAX_HEADS]):
            plot = self.addPlot(row=0, col=h, title=f"head {h + 1}")
            plot.setAspectLocked(True)
            plot.invertY(True)  # query step 0 at the top, as a matrix is read
            plot.setLabel("bottom", "key step (looked at)")
            if h == 0:
                plot.setLabel("left", "query step (looking)")
            plot.setMenuEnabled(False)
            plot.setMouseEnabled(False, False)
            image = pg.ImageItem(axisOrder="row-major")  # image[q, k]: row q, column k
            image.setImage(matrix, levels=(0.0, 1.0))
            image.setLookupTable(table)
            q, k = matrix.shape
            image.setRect(QRectF(-0.5, -0.5, k, q))  # cell (q, k) centred on its step numbers
            plot.addItem(image)
            plot.setRange(xRange=(-0.5, k - 0.5), yRange=(-0.5, q - 0.5), padding=0)
            self.images.append(image)
