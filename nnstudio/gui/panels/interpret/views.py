"""The result area: one example, two methods side by side, or a grid of examples; images or feature bars."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.interpret import render
from nnstudio.core.interpret.explain import Attribution
from nnstudio.core.interpret.subject import FEATURES, Subject
from nnstudio.gui.widgets.feature_bars import FeatureBars
from nnstudio.gui.widgets.heatmap_overlay import HeatmapOverlay, ImageView, rgb_to_qimage

SINGLE, COMPARE, GRID = 0, 1, 2
TILE = 112  # pixels per picture in the grid


def caption(result: Attribution) -> str:
    s = result.stats()
    parts = [f"<b>{result.title}</b> for <b>{result.target_name}</b>"]
    if result.prediction.probabilities is not None and result.target is not None:
        parts.append(f"probability {s['probability']:.0%}")
    parts.append(f"total attribution {s['sum']:.3g} (for {s['positive_sum']:.3g}, against {s['negative_sum']:.3g})")
    if result.delta is not None:
        rel = s.get("relative_delta")
        shown = f" = {rel:.2%} of the score difference" if rel is not None else ""
        parts.append(f"convergence delta {result.delta:.2g}{shown}")
    if "layer" in result.extra:
        parts.append(f"layer {result.extra['layer']}")
    if "features" in result.extra:
        parts.append(f"{result.extra['features']} features")
    return " · ".join(parts)


class ExampleTile(QWidget):
    """One example in the grid: input and overlay side by side, caption below."""

    def __init__(self, x: np.ndarray, result: Attribution, text: str, colormap: str, opacity: float) -> None:
        super().__init__()
        self.x, self.result = x, result
        self.input_view = ImageView(TILE)
        self.overlay_view = ImageView(TILE)
        for view in (self.input_view, self.overlay_view):
            view.setFixedSize(TILE, TILE)
        self.input_view.set_image(rgb_to_qimage(render.image_rgb(x)))
        label = QLabel(text)
        label.setWordWrap(True)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row = QHBoxLayout()
        row.addWidget(self.input_view)
        row.addWidget(self.overlay_view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(label)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.set_style(colormap, opacity)

    def set_style(self, colormap: str, opacity: float) -> None:
        norm = render.normalize(self.result.heatmap())
        self.overlay_view.set_image(rgb_to_qimage(render.overlay(render.image_rgb(self.x), norm, colormap, opacity)))


class ResultViews(QStackedWidget):
    """Pages: [single, compare, grid] x [picture, bars]."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.single = HeatmapOverlay()
        self.single.setObjectName("singleOverlay")
        self.single_bars = FeatureBars()
        self.single_bars.setObjectName("singleBars")
        self.compare_a = HeatmapOverlay()
        self.compare_a.setObjectName("compareOverlayA")
        self.compare_b = HeatmapOverlay()
        self.compare_b.setObjectName("compareOverlayB")
        compare = QWidget()
        box = QVBoxLayout(compare)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.compare_a, 1)
        box.addWidget(self.compare_b, 1)
        self.bars_a, self.bars_b = FeatureBars(), FeatureBars()
        self.bars_a.setObjectName("compareBarsA")
        self.bars_b.setObjectName("compareBarsB")
        compare_bars = QWidget()
        row = QHBoxLayout(compare_bars)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bars_a)
        row.addWidget(self.bars_b)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        grid_scroll = QScrollArea()
        grid_scroll.setWidgetResizable(True)
        grid_scroll.setWidget(self.grid_host)
        self.table = QTableWidget()
        self.table.setObjectName("gridTable")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.tiles: list[ExampleTile] = []
        for page in (self.single, self.single_bars, compare, compare_bars, grid_scroll, self.table):
            self.addWidget(page)
        self._style = ("signed", 0.7)

    def show_page(self, mode: int, layout: str) -> None:
        self.setCurrentIndex(2 * mode + (1 if layout == FEATURES else 0))

    def set_style(self, colormap: str, opacity: float) -> None:
        self._style = (colormap, opacity)
        for overlay in (self.single, self.compare_a, self.compare_b):
            overlay.set_style(colormap, opacity)
        for tile in self.tiles:
            tile.set_style(colormap, opacity)

    def clear(self, message: str) -> None:
        for overlay in (self.single, self.compare_a, self.compare_b):
            overlay.title.clear()
            overlay.clear(message)
        for bars in (self.single_bars, self.bars_a, self.bars_b):
            bars.clear_values(message)
        self._clear_grid()
        self.table.clear()
        self.table.setRowCount(0)
        self.table.setColumnCount(0)

    def _clear_grid(self) -> None:
        for tile in self.tiles:
            self.grid.removeWidget(tile)
            tile.deleteLater()
        self.tiles = []

    # ------------------------------------------------------------------ showing results
    def show_one(self, overlay: HeatmapOverlay, bars: FeatureBars, x: np.ndarray, result: Attribution, subject: Subject) -> None:
        if result.layout == FEATURES:
            names = [subject.feature_name(i) for i in range(result.values.size)]
            bars.set_values(names, result.heatmap(), f"{result.title} for {result.target_name}")
            bars.setToolTip(caption(result).replace("<b>", "").replace("</b>", ""))
        else:
            overlay.title.setText(result.title)
            overlay.set_attribution(x, result.heatmap(), caption(result))
            overlay.set_style(*self._style)

    def show_grid(self, xs: list[np.ndarray], results: list[Attribution], texts: list[str], subject: Subject) -> None:
        self._clear_grid()
        if results and results[0].layout == FEATURES:
            self._fill_table(results, texts, subject)
            return
        columns = 4
        for i, (x, result, text) in enumerate(zip(xs, results, texts, strict=True)):
            tile = ExampleTile(x, result, text, *self._style)
            self.grid.addWidget(tile, i // columns, i % columns)
            self.tiles.append(tile)

    def _fill_table(self, results: list[Attribution], texts: list[str], subject: Subject) -> None:
        n_features = results[0].values.size
        self.table.clear()
        self.table.setRowCount(len(results))
        self.table.setColumnCount(n_features)
        self.table.setHorizontalHeaderLabels([subject.feature_name(i) for i in range(n_features)])
        self.table.setVerticalHeaderLabels([t.replace("\n", " ") for t in texts])
        table = render.colormap_table("signed")
        for r, result in enumerate(results):
            values = result.heatmap()
            norm = render.normalize(values, 100)
            for c, v in enumerate(values):
                item = QTableWidgetItem(f"{v:+.3g}")
                rgb = table[int(round((norm[c] + 1) / 2 * 255))]
                item.setBackground(QBrush(QColor(*(int(255 * k) for k in rgb))))
                item.setForeground(QBrush(QColor("black")))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
