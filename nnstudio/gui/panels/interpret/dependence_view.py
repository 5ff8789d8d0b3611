"""Partial dependence and ICE for one feature (lines), or a 2-D heatmap for a pair of features."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QStackedWidget, QWidget

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.interpret import render
from nnstudio.core.interpret.dependence import (
    Dependence,
    Dependence2D,
    partial_dependence,
    partial_dependence_2d,
)
from nnstudio.core.interpret.subject import IMAGE
from nnstudio.gui import palette
from nnstudio.gui.panels.interpret.jobs import Job, JobView
from nnstudio.gui.widgets.param_form import CheckedSpinBox, RefusalNote

ICE_SHOWN = 60  # individual lines drawn; more turn into a grey fog


def _plot(title: str) -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plot.setBackground("w")
    plot.setMenuEnabled(False)
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.setTitle(title, color="#333", size="11pt")
    for axis in ("left", "bottom"):
        plot.getAxis(axis).enableAutoSIPrefix(False)
    return plot


def raw_rows(document: Any) -> tuple[np.ndarray, list[str], Any]:
    """The test rows in the data's own units (before preprocessing), their column names and the encoder: read
    from the document's prepared data, the rows and the fitted preprocessing the model's inputs came from."""
    prepared = document.prepared()
    splits = prepared.raw_splits()
    rows = splits["test"] if len(splits["test"]) else splits["validation"]
    names = list(prepared.pipeline.input_names or prepared.raw.feature_names)
    return rows, names, prepared.pipeline.transform


class DependenceView(JobView):
    run_text = "Plot dependence"
    unit = "grid values"

    def __init__(self, document: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dependenceView")
        self.document = document
        self.feature = QComboBox()
        self.feature.setObjectName("pdpFeature")
        self.feature.setToolTip("The feature to vary across its range while the others keep their values")
        self.second = QComboBox()
        self.second.setObjectName("pdpSecond")
        self.second.setToolTip("A second feature turns the plot into a 2-D heatmap of the average answer")
        self.target = QComboBox()
        self.target.setObjectName("pdpTarget")
        self.target.setToolTip("Which output to follow: a class's probability or the predicted value")
        self.raw = QCheckBox("In the data's own units (before preprocessing)")
        self.raw.setObjectName("pdpRaw")
        self.raw.setToolTip("Vary the feature as it is in the file; each changed row goes through the fitted preprocessing")
        self.raw.toggled.connect(self._fill_features)
        self.points = CheckedSpinBox("Grid points")
        self.points.setRange(3, 100)
        self.points.setValue(20)
        self.points.setToolTip("Values of the feature tried, from its smallest to its largest value in the test set")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Feature:", self.feature)
        form.addRow("With feature:", self.second)
        form.addRow("Answer shown:", self.target)
        form.addRow("Grid points:", self.points)
        self.note = RefusalNote()
        self.note.watch(self.points)
        form.addRow(self.note)
        form.addRow(self.raw)
        self.line_plot = _plot("")
        self.line_plot.setObjectName("pdpPlot")
        self.heat_plot = _plot("")
        self.heat_plot.setObjectName("pdpHeatmap")
        self.heat_image = pg.ImageItem()
        self.heat_plot.addItem(self.heat_image)
        self.plots = QStackedWidget()
        self.plots.addWidget(self.line_plot)
        self.plots.addWidget(self.heat_plot)
        self.layout_.addLayout(form)
        self.layout_.addLayout(self.run_row)
        self.layout_.addWidget(self.status)
        self.layout_.addWidget(self.plots, 1)
        self.result: Dependence | Dependence2D | None = None

    def extra_reason(self) -> str:
        subject = self.source.subject
        if subject is not None and (subject.layout == IMAGE or subject.input_kind == "tokens"):
            return "Partial dependence varies one named feature at a time; it needs tabular or 2-D data, not images."
        return ""

    def _names(self) -> list[str]:
        subject, bundle = self.source.subject, self.source.bundle
        if subject is None or bundle is None:
            return []
        if self.raw.isChecked() and bundle.pipeline is not None and bundle.pipeline.input_names:
            return list(bundle.pipeline.input_names)
        n = int(np.prod(subject.input_shape))
        return [subject.feature_name(i) for i in range(n)] if subject.layout != "grid" else [f"cell {i + 1}" for i in range(n)]

    def source_changed(self) -> None:
        bundle = self.source.bundle
        has_pipeline = bool(bundle is not None and bundle.pipeline is not None and bundle.pipeline.steps and bundle.pipeline.input_names)
        self.raw.setEnabled(has_pipeline)
        if not has_pipeline:
            self.raw.setChecked(False)
        self._fill_features()
        self.target.clear()
        subject = self.source.subject
        if subject is not None and subject.task == CLASSIFICATION:
            self.target.addItem("Most often predicted class", None)
            for i, name in enumerate(subject.class_names):
                self.target.addItem(f"Probability of {name}", i)
        else:
            self.target.addItem("Predicted value", None)
        self.line_plot.clear()
        self.heat_image.clear()
        self.plots.setCurrentWidget(self.line_plot)

    def _fill_features(self, *_: object) -> None:
        names = self._names()
        for combo in (self.feature, self.second):
            combo.blockSignals(True)
            combo.clear()
        self.second.addItem("(none: lines)", None)
        for i, name in enumerate(names):
            self.feature.addItem(name, i)
            self.second.addItem(name, i)
        for combo in (self.feature, self.second):
            combo.blockSignals(False)

    def make_job(self) -> Job:
        model, subject = self.job_model(), self.source.subject
        x, _ = self.source.test_xy()
        feature, second, target = self.feature.currentData(), self.second.currentData(), self.target.currentData()
        points, raw, names = self.points.value(), self.raw.isChecked(), self._names()
        if feature is None:
            raise NNStudioError("Choose a feature to vary")
        rows, encode = x, None
        if raw:
            rows, _names, encode = raw_rows(self.document)

        def job(control: Any) -> Dependence | Dependence2D:
            if raw and rows.dtype.kind == "O":
                try:
                    rows[:, feature].astype(np.float64)
                except (TypeError, ValueError):
                    raise NNStudioError(f"{names[feature]} holds text; partial dependence varies numbers. Choose a numeric column") from None
            if second is not None:
                return partial_dependence_2d(model, subject, rows, (feature, second), target, min(points, 30), names, encode, control)
            return partial_dependence(model, subject, rows, feature, target, points=points, names=names, encode=encode, control=control)

        return job

    def show_result(self, result: Dependence | Dependence2D) -> None:
        self.result = result
        if isinstance(result, Dependence2D):
            self._show_2d(result)
            return
        self.plots.setCurrentWidget(self.line_plot)
        plot = self.line_plot
        plot.clear()
        plot.addLegend(offset=(10, 10))
        for k, line in enumerate(result.ice[:ICE_SHOWN]):
            plot.plot(result.grid, line, pen=pg.mkPen((120, 120, 120, 60), width=1), name="ICE: one test example each" if k == 0 else None)
        plot.plot(result.grid, result.pdp, pen=palette.role_pen("increase", 4), symbol="o", symbolSize=palette.marker_size(6),
                  symbolBrush=palette.role("increase"), name="Partial dependence (average)")
        lo, hi = float(result.ice.min()), float(result.ice.max())
        rug = np.clip(result.observed, result.grid.min(), result.grid.max())
        plot.plot(rug, np.full(len(rug), lo - 0.03 * (hi - lo or 1)), pen=None, symbol="|", symbolSize=palette.marker_size(10),
                  symbolBrush=palette.role("decrease"), symbolPen=palette.role("decrease"))
        plot.setTitle(f"{result.target_name} as {result.feature} changes", color="#333", size="11pt")
        plot.setLabel("bottom", result.feature)
        plot.setLabel("left", result.target_name)
        span = float(result.pdp.max() - result.pdp.min())
        self.status.setText(
            f"Red: the average over {len(result.ice)} test examples; grey: each example (ICE). Moving "
            f"<b>{result.feature}</b> across its range changes the average {result.target_name} by {span:.3g}. "
            "Blue ticks: where test examples really lie."
        )

    def _show_2d(self, result: Dependence2D) -> None:
        self.plots.setCurrentWidget(self.heat_plot)
        norm = result.pdp - result.pdp.min()
        norm = norm / (norm.max() or 1.0)
        rgb = render.heat_rgb(norm, "viridis")
        self.heat_image.setImage(render.to_uint8(rgb))  # rows: first feature (x axis), columns: second (y axis)
        a, b = result.grid_a, result.grid_b
        self.heat_image.setRect(QRectF(float(a[0]), float(b[0]), float(a[-1] - a[0]) or 1.0, float(b[-1] - b[0]) or 1.0))
        self.heat_plot.setLabel("bottom", result.features[0])
        self.heat_plot.setLabel("left", result.features[1])
        self.heat_plot.setTitle(f"Average {result.target_name}", color="#333", size="11pt")
        self.heat_plot.autoRange()
        self.status.setText(
            f"Average {result.target_name} for every pair of values of <b>{result.features[0]}</b> and "
            f"<b>{result.features[1]}</b>: dark purple {result.pdp.min():.3g}, yellow {result.pdp.max():.3g}."
        )
