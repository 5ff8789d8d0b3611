"""A legend beside the plot instead of over it: ten class names in a box cover the curves wherever the box
sits inside the data area (a PR curve uses the top right, a ROC curve the top left, both the middle)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt


class SideLegend(pg.LegendItem):
    """A LegendItem that lives in the plot's layout, right of the view box (column 3 of the PlotItem's grid,
    after the right axis), top-aligned; ``plot(name=...)`` adds entries to it as to the built-in legend."""

    def updateSize(self) -> None:  # noqa: N802 - pyqtgraph's name
        # pyqtgraph's version places the legend at (0, 0) of its parent; in a layout, ask the layout instead.
        if getattr(self, "layout", None) is None:  # called once before LegendItem made its layout
            return
        self.layout.invalidate()
        hint = self.layout.effectiveSizeHint(Qt.SizeHint.PreferredSize)
        self.setMinimumWidth(hint.width())
        self.setMaximumWidth(hint.width())
        self.setMaximumHeight(hint.height())
        self.updateGeometry()


def legend_beside(plot: pg.PlotWidget | pg.PlotItem, text_size: str = "9pt") -> SideLegend:
    """Give ``plot`` a legend to the right of its data area, replacing any legend it had."""
    item = plot.getPlotItem() if isinstance(plot, pg.PlotWidget) else plot
    if item.legend is not None:
        item.legend.scene() and item.legend.scene().removeItem(item.legend)
    legend = SideLegend(labelTextSize=text_size, brush=pg.mkBrush(255, 255, 255, 230), pen=pg.mkPen("#d0d0d0"))
    item.layout.addItem(legend, 2, 3)
    item.layout.setColumnSpacing(2, 8)  # a gap between the data area (and its hidden right axis) and the box
    item.layout.setAlignment(legend, Qt.AlignmentFlag.AlignTop)
    item.legend = legend
    return legend
