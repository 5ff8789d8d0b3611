"""The pictures: confusion matrix with its examples and threshold, ROC and PR curves, and for regression
the predicted-vs-actual scatter and the residual histogram."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.evaluate.report import SplitEvaluation, examples_in_cell, threshold_metrics
from nnstudio.gui import palette
from nnstudio.gui.widgets.confusion_heatmap import ConfusionHeatmap
from nnstudio.gui.widgets.example_gallery import ExampleData, ExampleGallery
from nnstudio.gui.widgets.side_legend import legend_beside


def make_plot(title: str, x_label: str, y_label: str, legend: bool = True) -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plot.setBackground("w")
    plot.setTitle(title, color="#333", size="11pt")
    plot.setLabel("bottom", x_label)
    plot.setLabel("left", y_label)
    plot.showGrid(x=True, y=True, alpha=0.25)
    if legend:
        legend_beside(plot)  # beside the data: inside, ten class names covered the curves
    plot.setMenuEnabled(False)
    return plot


class ConfusionPage(QWidget):
    """The heatmap (counts or shares), the binary threshold slider, and the examples of the clicked cell."""

    example_chosen = Signal(object)  # Example to send to Interpretability

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.heatmap = ConfusionHeatmap()
        self.heatmap.cell_clicked.connect(self.show_cell)
        self.counts_button = QRadioButton("Counts")
        self.counts_button.setToolTip("Each cell: how many examples of the row's class got the column's answer")
        self.counts_button.setChecked(True)
        self.normalized_button = QRadioButton("Share of each true class")
        self.normalized_button.setObjectName("normalizedButton")
        self.normalized_button.setToolTip("Divide each row by its total: the diagonal becomes each class's recall")
        group = QButtonGroup(self)
        group.addButton(self.counts_button)
        group.addButton(self.normalized_button)
        self.normalized_button.toggled.connect(self.heatmap.set_normalized)

        self.threshold = QSlider(Qt.Orientation.Horizontal)
        self.threshold.setObjectName("thresholdSlider")
        self.threshold.setRange(1, 99)
        self.threshold.setValue(50)
        self.threshold.setToolTip("Predict the second class when its probability is at least this; move it to trade precision for recall")
        self.threshold.valueChanged.connect(self._threshold_moved)
        self.threshold_label = QLabel()
        self.threshold_label.setObjectName("thresholdLabel")
        self.threshold_label.setWordWrap(True)
        self.threshold_box = QWidget()
        tl = QVBoxLayout(self.threshold_box)
        tl.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("Decision threshold:"))
        row.addWidget(self.threshold, 1)
        tl.addLayout(row)
        tl.addWidget(self.threshold_label)

        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        toggles = QHBoxLayout()
        toggles.addWidget(self.counts_button)
        toggles.addWidget(self.normalized_button)
        toggles.addStretch(1)
        ll.addLayout(toggles)
        ll.addWidget(self.heatmap, 1)
        ll.addWidget(self.threshold_box)

        self.cell_title = QLabel("Click a cell to list its examples.")
        self.cell_title.setObjectName("cellTitle")
        self.cell_title.setWordWrap(True)
        self.gallery = ExampleGallery()
        self.gallery.setObjectName("cellGallery")
        self.gallery.example_chosen.connect(self.example_chosen)
        self.send_button = QPushButton("Explain on the Interpretability tab")
        self.send_button.setObjectName("cellSendButton")
        self.send_button.setToolTip("Explain the example picked in this cell's gallery on the Interpretability tab")
        self.send_button.setEnabled(False)
        self.send_button.clicked.connect(self._send)
        self.gallery.currentItemChanged.connect(lambda *_: self.send_button.setEnabled(self.gallery.currentItem() is not None))
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.cell_title)
        rl.addWidget(self.gallery, 1)
        rl.addWidget(self.send_button)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([640, 560])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.split: SplitEvaluation | None = None
        self.data: ExampleData | None = None
        self.class_names: list[str] = []
        self.y_pred: np.ndarray | None = None
        self.threshold_metrics: dict | None = None
        self.curves: CurvesPage | None = None

    def show_split(self, split: SplitEvaluation, data: ExampleData, class_names: list[str]) -> None:
        self.split, self.data, self.class_names = split, data, class_names
        binary = len(class_names) == 2
        self.threshold_box.setVisible(binary)
        self.y_pred = split.y_pred
        self.gallery.clear()
        self.send_button.setEnabled(False)
        self.cell_title.setText("Click a cell to list its examples.")
        self.heatmap.selected = None
        if binary:
            self._threshold_moved(self.threshold.value())
        else:
            self.threshold_metrics = None
            self.heatmap.set_matrix(split.metrics.confusion, class_names)

    def _threshold_moved(self, value: int) -> None:
        if self.split is None or len(self.class_names) != 2:
            return
        t = threshold_metrics(self.split.y_true, self.split.proba[:, 1], value / 100)
        self.threshold_metrics = t
        self.y_pred = t["y_pred"]
        self.heatmap.set_matrix(t["confusion"], self.class_names)
        positive = self.class_names[1]
        self.threshold_label.setText(
            f"Predict \u201c{positive}\u201d when its probability is at least <b>{value / 100:.2f}</b>: "
            f"precision <b>{t['precision']:.3f}</b> · recall <b>{t['recall']:.3f}</b> · F1 <b>{t['f1']:.3f}</b> · "
            f"accuracy <b>{t['accuracy']:.1%}</b>"
        )
        if self.curves is not None:
            self.curves.mark_threshold(t["confusion"])
        if self.heatmap.selected is not None:
            self.show_cell(*self.heatmap.selected)

    def show_cell(self, true: int, predicted: int) -> None:
        if self.split is None or self.data is None:
            return
        examples = examples_in_cell(self.split, true, predicted, self.y_pred)
        total = int(np.sum((self.split.y_true == true) & (self.y_pred == predicted)))
        names = self.class_names
        kind = "right" if true == predicted else "mistakes"
        shown = f" (the {len(examples)} surest shown)" if len(examples) < total else ""
        self.cell_title.setText(
            f"<b>True {names[true]}, predicted {names[predicted]}</b>: {total} {kind} on {self.split.name}{shown}. "
            "Double-click one to explain it."
        )
        self.gallery.show_examples(examples, self.data)

    def _send(self) -> None:
        example = self.gallery.current_example()
        if example is not None:
            self.example_chosen.emit(example)


class CurvesPage(QWidget):
    """ROC and precision-recall curves side by side, one per class (one for a binary task)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.roc_plot = make_plot("ROC curve", "false positive rate", "true positive rate (recall)")
        self.roc_plot.setObjectName("rocPlot")
        self.pr_plot = make_plot("Precision-recall curve", "recall", "precision")
        self.pr_plot.setObjectName("prPlot")
        for plot in (self.roc_plot, self.pr_plot):
            plot.setXRange(0, 1, padding=0.02)
            plot.setYRange(0, 1.02, padding=0.02)
        self.note = QLabel()
        self.note.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.roc_plot)
        row.addWidget(self.pr_plot)
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addWidget(self.note)
        self.roc_items: list[pg.PlotDataItem] = []
        self.pr_items: list[pg.PlotDataItem] = []
        self.marker = pg.ScatterPlotItem(size=palette.marker_size(12), brush=pg.mkBrush(palette.role("highlight")),
                                         pen=pg.mkPen("w", width=palette.line_width(1.5)))
        self.split: SplitEvaluation | None = None
        self.class_names: list[str] = []
        palette.subscribe(self._redraw)  # presentation mode: every class in its own projector colour

    def _redraw(self) -> None:
        if self.split is not None:
            self.show_split(self.split, self.class_names)

    def show_split(self, split: SplitEvaluation, class_names: list[str]) -> None:
        self.split, self.class_names = split, list(class_names)
        m = split.metrics
        binary = len(class_names) == 2
        for plot in (self.roc_plot, self.pr_plot):
            plot.clear()
            plot.plotItem.legend.clear()
        self.roc_items, self.pr_items = [], []
        chance = pg.PlotDataItem([0, 1], [0, 1], pen=palette.role_pen("muted", 1, dashed=True))
        self.roc_plot.addItem(chance)
        width = 2.5 if binary or len(class_names) <= 4 else 1.6
        for i, (roc, pr) in enumerate(zip(m.roc, m.pr, strict=True)):
            c = 1 if binary else i
            name = class_names[c]
            if roc is None or pr is None:
                continue
            pen = palette.pen(i, width=width)
            self.roc_items.append(self.roc_plot.plot(roc.x, roc.y, pen=pen, name=f"{name} (AUC {roc.area:.3f})"))
            self.pr_items.append(self.pr_plot.plot(pr.x, pr.y, pen=pen, name=f"{name} (AP {pr.area:.3f})"))
        if binary:
            self.roc_plot.setTitle(f"ROC curve for \u201c{class_names[1]}\u201d · AUC {m.roc_auc:.3f}", color="#333", size="11pt")
            self.pr_plot.setTitle(f"Precision-recall for \u201c{class_names[1]}\u201d · AP {m.average_precision:.3f}", color="#333", size="11pt")
            self.roc_plot.addItem(self.marker)
            self.note.setText("The red dot is the decision threshold chosen on the Confusion matrix page. The dashed line is guessing.")
        else:
            # Short titles (the note below says each curve is one class against the rest): at 1.5x text the long
            # ones made the plot wider than its half of the window and pushed the legend out.
            self.roc_plot.setTitle(f"ROC · macro AUC {m.roc_auc:.3f}", color="#333", size="11pt")
            self.pr_plot.setTitle(f"Precision-recall · mean AP {m.average_precision:.3f}", color="#333", size="11pt")
            missing = [class_names[i] for i, c in enumerate(m.roc) if c is None]
            extra = f" No curve for {', '.join(missing)}: the split holds no examples of it (or only those)." if missing else ""
            self.note.setText(f"One curve per class against all the others on the {split.name} split. The dashed line is guessing.{extra}")

    def mark_threshold(self, confusion: np.ndarray) -> None:
        tn, fp, fn, tp = (float(v) for v in np.asarray(confusion).ravel())
        fpr = fp / (fp + tn) if fp + tn else 0.0
        tpr = tp / (tp + fn) if tp + fn else 0.0
        self.marker.setData([fpr], [tpr])


class RegressionPage(QWidget):
    """Predicted vs actual with the identity line, and the histogram of residuals."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scatter_plot = make_plot("Predicted vs actual", "actual value", "predicted value")
        self.scatter_plot.setObjectName("scatterPlot")
        self.residual_plot = make_plot("Residuals (actual − predicted)", "residual", "examples", legend=False)
        self.residual_plot.setObjectName("residualPlot")
        accent = pg.mkColor(palette.role("accent"))
        accent.setAlpha(150)
        self.points = pg.ScatterPlotItem(size=palette.marker_size(6), pen=None, brush=pg.mkBrush(accent), name="examples")
        self.identity = pg.PlotDataItem(pen=palette.role_pen("highlight", 2, dashed=True), name="perfect prediction")
        self.scatter_plot.addItem(self.points)
        self.scatter_plot.addItem(self.identity)
        self.bars = pg.BarGraphItem(x=[], height=[], width=1.0, brush=palette.role("accent"), pen="w")
        self.residual_plot.addItem(self.bars)
        self.zero = pg.InfiniteLine(0, angle=90, pen=palette.role_pen("highlight", 2, dashed=True))
        self.residual_plot.addItem(self.zero)
        self.note = QLabel()
        self.note.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.scatter_plot)
        row.addWidget(self.residual_plot)
        layout = QVBoxLayout(self)
        layout.addLayout(row, 1)
        layout.addWidget(self.note)
        self.histogram: tuple[np.ndarray, np.ndarray] = (np.zeros(0), np.zeros(0))

    def show_split(self, split: SplitEvaluation) -> None:
        actual = split.y_true.reshape(-1)
        predicted = split.y_pred.reshape(-1)
        self.points.setData(actual, predicted)
        lo = float(min(actual.min(), predicted.min()))
        hi = float(max(actual.max(), predicted.max()))
        self.identity.setData([lo, hi], [lo, hi])
        residuals = split.residuals.reshape(-1)
        counts, edges = np.histogram(residuals, bins=min(30, max(5, len(residuals) // 5)))
        self.histogram = (counts, edges)
        self.bars.setOpts(x=(edges[:-1] + edges[1:]) / 2, height=counts, width=float(edges[1] - edges[0]) * 0.95)
        self.scatter_plot.setTitle(f"Predicted vs actual on {split.name}", color="#333", size="11pt")
        self.residual_plot.setTitle(f"Residuals on {split.name} (actual − predicted)", color="#333", size="11pt")
        self.note.setText(
            "Points on the dashed line are perfect predictions; points above it are over-estimates. "
            f"Residuals: mean {residuals.mean():+.3g}, spread (std) {residuals.std():.3g}. A histogram centred on 0 "
            "means no systematic bias."
        )
