"""The "LR finder" page: a learning-rate range test on a copy of the network, and one click to use its suggestion."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.base.errors import NNStudioError
from nnstudio.core.workspace.lr_finder import LRFinderResult, lr_range_test
from nnstudio.gui import palette
from nnstudio.gui.context import AppContext
from nnstudio.gui.dialogs import show_error
from nnstudio.gui.panels.runs.tasks import Task, TaskContext, TaskPage
from nnstudio.gui.widgets.log_axis import LogAxis
from nnstudio.gui.widgets.param_form import CheckedSpinBox, RefusalNote


class LRFinderPage(TaskPage):
    failure_title = "The LR finder failed"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result: LRFinderResult | None = None
        lay = QHBoxLayout(self)
        left = QVBoxLayout()
        explain = QLabel("The LR finder trains a copy of the network for a few hundred batches while the learning "
                         "rate grows from tiny to huge, and plots the loss against it. A good learning rate sits "
                         "where the loss falls fastest, well before it shoots up. Your network is not changed.")
        explain.setWordWrap(True)
        form = QFormLayout()
        self.steps = CheckedSpinBox("Length")
        self.steps.setObjectName("lrSteps")
        self.steps.setToolTip("How many batches the range test runs, raising the learning rate a little after each")
        self.steps.setRange(20, 2000)
        self.steps.setValue(200)
        self.steps.setSuffix(" batches")
        form.addRow("Length:", self.steps)
        self.note = RefusalNote()
        self.note.watch(self.steps)
        form.addRow(self.note)
        self.start_button = QPushButton("Find learning rate")
        self.start_button.setObjectName("lrFind")
        self.start_button.setToolTip("Train briefly on a copy of the network with a rising learning rate and plot the loss against it")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setObjectName("lrCancel")
        self.cancel_button.setToolTip("Stop the range test after the current batch")
        self.progress = QProgressBar()
        self.progress.setObjectName("lrProgress")
        self.status = QLabel("")
        self.status.setObjectName("lrSuggestion")
        self.status.setWordWrap(True)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("lrApply")
        self.apply_button.setToolTip("Use the suggested learning rate for the next run (Training tab)")
        self.apply_button.clicked.connect(self.apply)
        self.apply_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        left.addWidget(explain)
        left.addLayout(form)
        left.addLayout(buttons)
        left.addWidget(self.progress)
        left.addWidget(self.status)
        left.addWidget(self.apply_button)
        left.addStretch(1)
        self.plot = pg.PlotWidget(axisItems={"bottom": LogAxis("bottom")})
        self.plot.setObjectName("lrPlot")
        self.plot.setBackground("w")
        self.plot.setTitle("Loss against learning rate (pale: each batch, dark: smoothed)", color="#333", size="11pt")
        self.plot.setLabel("bottom", "learning rate (log scale)")
        self.plot.setLabel("left", "loss")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLogMode(x=True, y=False)
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.raw_curve = self.plot.plot([], [], pen=palette.role_pen("accent_light", 1))
        self.curve = self.plot.plot([], [], pen=palette.role_pen("accent", 2.5))
        # The suggestion as a dot on the smoothed curve, so it is plain which point of the curve was chosen.
        self.suggested_point = self.plot.plot([], [], pen=None, symbol="o", symbolSize=palette.marker_size(11),
                                              symbolBrush=palette.role("good"), symbolPen=palette.role_pen("good_text", 1.5))
        self.marker = pg.InfiniteLine(angle=90, pen=palette.role_pen("good", 2, dashed=True),
                                      label="", labelOpts={"position": 0.9, "color": palette.role("good_text")})
        self.marker.hide()
        self.plot.addItem(self.marker, ignoreBounds=True)
        lay.addLayout(left, 2)
        lay.addWidget(self.plot, 3)

    # ------------------------------------------------------------------ the task
    def prepare(self) -> Task | None:
        doc = self.ctx.document
        try:
            bundle = doc.bundle()
            spec = doc.project.training.copy()
            model = doc.fresh_model()  # a fresh copy: the project's network is not touched
        except NNStudioError as exc:
            show_error(self, "Cannot run the LR finder", exc)
            return None
        steps = self.steps.value()

        def task(tc: TaskContext) -> LRFinderResult:
            return lr_range_test(model, bundle, spec, steps=steps, token=tc.token)

        self.progress.setRange(0, steps)
        self.progress.setValue(0)
        self.status.setText("Sweeping the learning rate…")
        self.apply_button.setEnabled(False)
        return task

    def show_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setValue(done)

    def finished(self, result: LRFinderResult) -> None:
        self.progress.setValue(self.progress.maximum())
        self.show_result(result)

    def show_result(self, result: LRFinderResult) -> None:
        self.result = result
        finite = np.isfinite(result.smoothed)
        raw = finite & np.isfinite(result.losses)
        self.raw_curve.setData(result.lrs[raw], result.losses[raw])
        self.curve.setData(result.lrs[finite], result.smoothed[finite])
        self._frame(result, finite, raw)
        ok = math.isfinite(result.suggestion)
        if ok and finite.any():
            self.marker.show()  # first: a hidden line's label ignores new text, and the first suggestion showed none
            self.marker.setValue(math.log10(result.suggestion))
            self.marker.label.setFormat(f"suggested {result.suggestion:.2g}")
            at = float(np.interp(math.log10(result.suggestion), np.log10(result.lrs[finite]), result.smoothed[finite]))
            self.suggested_point.setData([result.suggestion], [at])
            self.status.setText(f"Suggested learning rate: <b>{result.suggestion:.2g}</b> (where the loss falls "
                                f"fastest). Apply it, then Train." + (" (cancelled early)" if result.cancelled else ""))
            self.apply_button.setText(f"Apply {result.suggestion:.2g}")
        else:
            self.marker.hide()
            self.suggested_point.setData([], [])
            self.status.setText("No clear suggestion: the loss did not fall. Try more batches, or check the data.")
        self.apply_button.setEnabled(ok)

    def _frame(self, result: LRFinderResult, finite: np.ndarray, raw: np.ndarray) -> None:
        """Frame the fall of the loss, raw batches included, up to the smoothed minimum: not the explosion at the
        largest rates, which would flatten everything before it."""
        if not finite.any():
            return
        fall = np.arange(len(finite)) <= int(np.argmin(np.where(finite, result.smoothed, np.inf)))
        values = np.concatenate([result.smoothed[finite & fall], result.losses[raw & fall]])
        lo, hi = float(np.min(values)), float(np.max(values))
        pad = 0.06 * (hi - lo) + 1e-6
        self.plot.setYRange(lo - pad, hi + pad, padding=0)

    @Slot()
    def apply(self) -> None:
        if self.result is None or not math.isfinite(self.result.suggestion):
            return
        spec = self.ctx.document.project.training.copy()
        spec.lr = float(f"{self.result.suggestion:.2g}")  # the rounded value the button shows
        self.ctx.document.set_training(spec)
        self.ctx.status_message.emit(f"Learning rate set to {spec.lr:g} for the next run", 4000)
