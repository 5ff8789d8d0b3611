"""Global importance: which features matter over the whole test set (permutation or mean |IG|)."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QWidget

from nnstudio.core.interpret import global_importance as gi
from nnstudio.core.interpret.subject import IMAGE
from nnstudio.gui.panels.interpret.jobs import Job, JobView
from nnstudio.gui.widgets.feature_bars import FeatureBars
from nnstudio.gui.widgets.param_form import CheckedSpinBox, RefusalNote

MAX_BARS = 30

HELP = {
    gi.PERMUTATION: "Shuffles one feature's column over the test set and measures how much worse the network gets. "
    "Honest about what the score needs; blind to features the network uses but could do without.",
    gi.MEAN_ABS_IG: "Integrated Gradients for every test example (towards its predicted class), averaged as size. "
    "Shows what the output reacts to, even when that does not help accuracy.",
}


class GlobalView(JobView):
    run_text = "Compute importance"
    unit = "network passes"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("globalView")
        self.method = QComboBox()
        self.method.setObjectName("globalMethod")
        for key, title in gi.METHOD_TITLES.items():
            self.method.addItem(title, key)
            self.method.setItemData(self.method.count() - 1, HELP[key], Qt.ItemDataRole.ToolTipRole)
        self.method.currentIndexChanged.connect(self._method_changed)
        self.repeats = CheckedSpinBox("Repeats")
        self.repeats.setRange(1, 50)
        self.repeats.setValue(5)
        self.repeats.setToolTip("How often each column is shuffled; the bars show the average")
        self.steps = CheckedSpinBox("Steps")
        self.steps.setRange(4, 500)
        self.steps.setValue(32)
        self.steps.setToolTip("Integrated Gradients steps per example")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Method:", self.method)
        row = QHBoxLayout()
        row.addWidget(self.repeats)
        row.addWidget(self.steps)
        row.addStretch(1)
        form.addRow("Repeats / steps:", row)
        self.note = RefusalNote()
        self.note.watch(self.repeats)
        self.note.watch(self.steps)
        form.addRow(self.note)
        self.bars = FeatureBars()
        self.bars.setObjectName("globalBars")
        self.bars.setLabel("bottom", "importance")
        self.layout_.addLayout(form)
        self.layout_.addLayout(self.run_row)
        self.layout_.addWidget(self.status)
        self.layout_.addWidget(self.bars, 1)
        self._method_changed()

    def _method_changed(self, *_: object) -> None:
        permutation = self.method.currentData() == gi.PERMUTATION
        self.repeats.setEnabled(permutation)
        self.steps.setEnabled(not permutation)
        self.method.setToolTip(HELP[self.method.currentData()])

    def extra_reason(self) -> str:
        subject = self.source.subject
        if subject is not None and (subject.layout == IMAGE or subject.input_kind == "tokens"):
            return ("Global importance ranks the named features of tabular or 2-D data; for images use "
                    "Inside the network or the per-example methods.")
        return ""

    def source_changed(self) -> None:
        self.bars.clear_values("")

    def make_job(self) -> Job:
        model, subject = self.job_model(), self.source.subject
        x, y = self.source.test_xy()
        method, repeats, steps = self.method.currentData(), self.repeats.value(), self.steps.value()

        def job(control: Any) -> gi.GlobalImportance:
            params = {"repeats": repeats} if method == gi.PERMUTATION else {"steps": steps}
            return gi.global_importance(method, model, subject, x, y, control=control, **params)

        return job

    def show_result(self, result: gi.GlobalImportance) -> None:
        order = result.ranking()[:MAX_BARS]
        self.result = result
        self.bars.set_values([result.names[i] for i in order], result.values[order], gi.METHOD_TITLES[result.method])
        self.bars.setLabel("bottom", result.metric)
        top = result.names[order[0]] if order else ""
        base = ""
        if result.baseline_score is not None:
            base = (f" The network's test accuracy is {result.baseline_score:.1%}." if result.baseline_score >= 0
                    else f" Its test mean squared error is {-result.baseline_score:.4g}.")
        more = f" (the {MAX_BARS} largest of {len(result.names)})" if len(result.names) > MAX_BARS else ""
        self.status.setText(
            f"{gi.METHOD_TITLES[result.method]} over {result.examples} test examples{more}: "
            f"<b>{top}</b> matters most. Bars: {result.metric}.{base}"
        )

    def shown_values(self) -> np.ndarray:
        return self.bars.values()
