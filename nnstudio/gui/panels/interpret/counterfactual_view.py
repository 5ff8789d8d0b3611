"""Counterfactual: what is the smallest change that makes the network answer another class?"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHeaderView,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from nnstudio.core.data.bundle import CLASSIFICATION
from nnstudio.core.interpret.counterfactual import Counterfactual, find_counterfactual
from nnstudio.core.interpret.subject import FEATURES
from nnstudio.gui.panels.interpret.example_picker import ExamplePicker
from nnstudio.gui.panels.interpret.jobs import Job, JobView
from nnstudio.gui.widgets.param_form import CheckedSpinBox, RefusalNote

CHANGED = QColor("#ffe08a")


class CounterfactualView(JobView):
    run_text = "Find the smallest change"
    unit = "search rounds"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("counterfactualView")
        self.picker = ExamplePicker()
        self.picker.changed.connect(self._example_changed)
        self.target = QComboBox()
        self.target.setObjectName("cfTarget")
        self.target.setToolTip("The class the changed example should get")
        self.max_changes = CheckedSpinBox("Features that may change")
        self.max_changes.setObjectName("cfMaxChanges")
        self.max_changes.setRange(1, 20)
        self.max_changes.setValue(3)
        self.max_changes.setToolTip("At most this many features may change")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(self.picker)
        form.addRow("Make it predict:", self.target)
        form.addRow("Features that may change:", self.max_changes)
        self.note = RefusalNote()
        self.note.watch(self.max_changes)
        form.addRow(self.note)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("cfTable")
        self.table.setHorizontalHeaderLabels(["Feature", "Before", "After"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.layout_.addLayout(form)
        self.layout_.addLayout(self.run_row)
        self.layout_.addWidget(self.status)
        self.layout_.addWidget(self.table, 1)
        self.result: Counterfactual | None = None

    def extra_reason(self) -> str:
        subject = self.source.subject
        if subject is None:
            return ""
        if subject.task != CLASSIFICATION:
            return "A counterfactual flips a class; this network predicts numbers (regression)."
        if subject.layout != FEATURES or subject.input_kind == "tokens":
            return "Counterfactual search changes named features; it needs tabular data (a vector of numbers)."
        return ""

    def source_changed(self) -> None:
        self.picker.set_source(self.source)
        self.table.setRowCount(0)
        self.target.clear()
        if self.source.subject is not None:
            for i, name in enumerate(self.source.subject.class_names):
                self.target.addItem(name, i)
        self._example_changed()

    def _example_changed(self, *_: object) -> None:
        """Default target: the first class the network does not predict for this example."""
        from nnstudio.core.interpret.explain import predict

        x, model, subject = self.picker.x(), self.source.model, self.source.subject
        if x is None or model is None or subject is None or self.extra_reason() or self.target.count() < 2:
            return
        predicted = predict(model, x, subject).predicted
        for i in range(self.target.count()):
            if self.target.itemData(i) != predicted:
                self.target.setCurrentIndex(i)
                break

    def make_job(self) -> Job:
        model, subject, bundle = self.job_model(), self.source.subject, self.source.bundle
        x, target, changes = self.picker.x(), self.target.currentData(), self.max_changes.value()
        train = bundle.train.x.numpy()

        def job(control: Any) -> Counterfactual:
            return find_counterfactual(model, subject, x, target, train, max_changes=changes, control=control)

        return job

    def show_result(self, result: Counterfactual) -> None:
        self.result = result
        subject = self.source.subject
        before_name = subject.class_name(result.original_class)
        p0 = result.original_probabilities
        head = f"Before: <b>{before_name}</b> ({p0[result.original_class]:.0%})" if p0 is not None else ""
        if not result.found:
            self.status.setText(f"{head}. {result.message}.")
            self._fill(result, None)
            return
        p1 = result.new_probabilities
        self.status.setText(
            f"{head} → after: <b>{subject.class_name(result.new_class)}</b> ({p1[result.new_class]:.0%}), checked with the network. "
            f"{result.message}. Highlighted rows changed; every value stays within the training range."
        )
        self._fill(result, result.changed_to)
        bundle = self.source.bundle
        if bundle is not None and bundle.pipeline is not None and bundle.pipeline.steps:
            self.status.setText(self.status.text() + " Values are as the network receives them, after the Data tab's preprocessing.")

    def _fill(self, result: Counterfactual, after: Any) -> None:
        self.table.setRowCount(len(result.names))
        bold = QFont(self.table.font())
        bold.setBold(True)
        changed = set(result.changed)
        for r, name in enumerate(result.names):
            cells = [name, f"{result.original[r]:.4g}", f"{after[r]:.4g}" if after is not None else "–"]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if r in changed:
                    item.setBackground(QBrush(CHANGED))
                    item.setFont(bold)
                self.table.setItem(r, c, item)
        if changed:
            self.table.scrollToItem(self.table.item(min(changed), 0))
