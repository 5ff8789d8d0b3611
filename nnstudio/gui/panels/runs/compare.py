"""The "Compare curves" page: one metric of several runs overlaid, epoch by epoch."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from nnstudio.core.workspace.runs import Run
from nnstudio.gui import palette
from nnstudio.gui.widgets.live_plot import drawable
from nnstudio.gui.widgets.side_legend import legend_beside


def runs_text(n: int) -> str:
    """'1 run', '3 runs': the count as a class reads it off the screen."""
    return f"{n} run" if n == 1 else f"{n} runs"


CURVE_KEYS = ("val_loss", "train_loss", "val_accuracy", "train_accuracy", "val_rmse", "train_rmse", "lr")


class CompareCurvesPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runs: list[Run] = []  # the runs shown, redrawn when another curve is chosen
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("Curve:"))
        self.curve_choice = QComboBox()
        self.curve_choice.setObjectName("overlayMetric")
        self.curve_choice.setToolTip("Which curve of the chosen runs to draw on top of each other")
        self.curve_choice.addItems(list(CURVE_KEYS))
        self.curve_choice.currentTextChanged.connect(self.redraw)
        row.addWidget(self.curve_choice)
        row.addWidget(QLabel("Select runs in the table to overlay them (none selected: all runs)."))
        row.addStretch(1)
        lay.addLayout(row)
        self.overlay = pg.PlotWidget()
        self.overlay.setObjectName("overlayPlot")
        self.overlay.setBackground("w")
        self.overlay.showGrid(x=True, y=True, alpha=0.25)
        self.overlay.setLabel("bottom", "epoch")
        legend_beside(self.overlay)  # beside the curves: a dozen run names inside covered them
        for side in ("left", "bottom"):
            self.overlay.getAxis(side).enableAutoSIPrefix(False)
        self.overlay_items: dict[str, pg.PlotDataItem] = {}
        lay.addWidget(self.overlay, 1)

    def show_runs(self, runs: list[Run]) -> None:
        self._runs = list(runs)
        self.redraw()

    @Slot()
    def redraw(self, *_: object) -> None:
        key = self.curve_choice.currentText()
        for item in self.overlay_items.values():
            self.overlay.removeItem(item)
        self.overlay_items = {}
        legend = self.overlay.plotItem.legend
        if legend is not None:
            legend.clear()
        for run in self._runs:
            values = run.history.get(key)
            if not values:
                continue
            xs = np.asarray(run.history.get("epoch", range(1, len(values) + 1)), float)[: len(values)]
            ys = np.asarray([math.nan if v is None else v for v in values], float)
            xs, ys, connect = drawable(xs, ys)  # a diverged run's NaN: drawn as nothing, not warned about
            i = run.id - 1  # a run keeps its colour (and line style) whichever runs are shown
            color = palette.color(i)
            self.overlay_items[run.name] = self.overlay.plot(xs, ys, connect=connect, name=run.name,
                                                             pen=palette.pen(i, width=2), symbol="o", symbolSize=5,
                                                             symbolBrush=color, symbolPen=color)
        self.overlay.setLabel("left", key.replace("_", " "))
        self.overlay.setTitle(f"{key.replace('_', ' ')} of {runs_text(len(self.overlay_items))}", color="#333", size="11pt")

    def curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The drawn curves by run name: (epochs, values)."""
        return {name: item.getData() for name, item in self.overlay_items.items()}
