"""The preprocessing step list: add, remove, reorder and configure steps, with shapes before and after each.

The editor holds no data of its own: it shows a list of StepSpecs (and, when the data built, what fitting
learned about shapes and rows) and emits the edited list; the Data tab sends it to the document.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.base.errors import format_shape
from nnstudio.core.base.registry import PREPROCESSING
from nnstudio.core.data.preprocess import FittedPipeline
from nnstudio.core.data.spec import StepSpec
from nnstudio.gui.widgets.param_form import ParamForm

COLUMNS = ["#", "Step", "Shape before → after", "Rows"]


def step_summary(spec: StepSpec) -> str:
    entry = PREPROCESSING.get(spec.kind)
    parts = []
    for p in entry.params:
        value = spec.params.get(p.name, p.default)
        if p.type is bool:
            if value:
                parts.append(p.title.lower())
        else:
            parts.append(f"{p.title.lower()} {value:g}" if isinstance(value, float) else f"{p.title.lower()} {value}")
    return ", ".join(parts) or "—"


class PipelineEditor(QWidget):
    steps_edited = Signal(object)  # list[StepSpec]: the user changed the pipeline
    step_selected = Signal(int)  # row, or -1
    step_clicked = Signal(int)  # the user picked a step: show its before/after view

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pipelineEditor")
        self.steps: list[StepSpec] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("stepTable")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.table.cellClicked.connect(lambda row, _col: self.step_clicked.emit(row))
        self.table.setWordWrap(True)

        # A push button, not a tool button: Qt's Fusion style draws a tool button's menu arrow over its text.
        self.add_button = QPushButton("Add step")
        self.add_button.setObjectName("addStepButton")
        self.add_button.setToolTip("Add a preprocessing step at the end of the list")
        self.add_menu = QMenu(self.add_button)
        self.add_menu.setObjectName("addStepMenu")
        self.add_button.setMenu(self.add_menu)
        self.add_actions = {}
        for category, entries in PREPROCESSING.categories().items():
            section = self.add_menu.addMenu(category)
            for entry in entries:
                action = section.addAction(entry.title)
                action.setToolTip(entry.help)
                action.setData(entry.name)
                action.triggered.connect(lambda _=False, name=entry.name: self.add_step(name))
                self.add_actions[entry.name] = action
            section.setToolTipsVisible(True)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setObjectName("removeStepButton")
        self.up_button = QPushButton("Move up")
        self.up_button.setObjectName("stepUpButton")
        self.up_button.setToolTip("Move the selected step one place earlier: steps run from top to bottom")
        self.down_button = QPushButton("Move down")
        self.down_button.setObjectName("stepDownButton")
        self.down_button.setToolTip("Move the selected step one place later: steps run from top to bottom")
        self.remove_button.clicked.connect(self.remove_selected)
        self.remove_button.setToolTip("Remove the selected step (Delete)")
        remove_key = QShortcut(QKeySequence.StandardKey.Delete, self.table)
        remove_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        remove_key.activated.connect(self.remove_selected)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        buttons = QHBoxLayout()
        for w in (self.add_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(w)
        buttons.addStretch(1)

        self.empty_hint = QLabel("No preprocessing: the network sees the data exactly as loaded. Add a step to prepare it.")
        self.empty_hint.setObjectName("noStepsLabel")
        self.empty_hint.setWordWrap(True)
        self.form_box = QGroupBox("Selected step")
        self.form_box.setObjectName("stepSettingsBox")
        self.form = ParamForm()
        self.form.param_edited.connect(self._on_param_edited)
        self.step_help = QLabel()
        self.step_help.setObjectName("stepHelp")
        self.step_help.setWordWrap(True)
        self.step_help.setTextFormat(Qt.TextFormat.PlainText)
        box = QVBoxLayout(self.form_box)
        box.addWidget(self.step_help)
        box.addWidget(self.form)
        self.summary = QLabel()
        self.summary.setObjectName("pipelineSummary")
        self.summary.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 2)
        layout.addWidget(self.empty_hint)
        layout.addWidget(self.summary)
        layout.addWidget(self.form_box, 1)
        self.set_steps([], None)

    # ------------------------------------------------------------------ showing
    def set_steps(self, steps: list[StepSpec], fitted: FittedPipeline | None, raw_shape: tuple[int, ...] = (), rows: int = 0) -> None:
        """Show ``steps``; ``fitted`` (same steps, fitted) adds shapes and row counts."""
        keep = self.selected_row()
        # Defaults filled in, so the form shows every value the fit used.
        self.steps = [StepSpec(s.kind, {**PREPROCESSING.get(s.kind).defaults(), **s.params}) for s in steps]
        shapes = fitted.steps if fitted is not None and len(fitted.steps) == len(steps) else None
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.steps))
        for row, spec in enumerate(self.steps):
            entry = PREPROCESSING.get(spec.kind)
            if shapes is not None:
                f = shapes[row]
                shape = f"{format_shape(f.in_shape)} → {format_shape(f.out_shape)}"
                count = str(f.rows_out) if f.rows_in == f.rows_out else f"{f.rows_in} → {f.rows_out}"
            else:
                shape, count = "?", ""
            if entry.obj.augments:
                shape += "\ntraining batches only"
            summary = step_summary(spec)
            title = entry.title if summary == "—" else f"{entry.title}\n{summary}"
            for col, text in enumerate([str(row + 1), title, shape, count]):
                item = QTableWidgetItem(text)
                item.setToolTip(entry.help)
                self.table.setItem(row, col, item)
        self.table.blockSignals(False)
        self.table.resizeRowsToContents()
        self.empty_hint.setVisible(not self.steps)
        if shapes is not None and raw_shape:
            out = shapes[-1].out_shape if shapes else raw_shape
            self.summary.setText(f"Loaded examples: {format_shape(raw_shape)} → the network receives {format_shape(out)} "
                                 f"({rows} training examples after preprocessing).")
        else:
            self.summary.setText("")
        self.select(min(keep, len(self.steps) - 1) if keep >= 0 else -1)

    def selected_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def select(self, row: int) -> None:
        if 0 <= row < self.table.rowCount():
            self.table.selectRow(row)
        else:
            self.table.clearSelection()
        self._on_selection()

    def _on_selection(self) -> None:
        row = self.selected_row()
        has = row >= 0
        self.remove_button.setEnabled(has)
        self.up_button.setEnabled(has and row > 0)
        self.down_button.setEnabled(has and row < len(self.steps) - 1)
        self.form_box.setVisible(has)
        if has:
            spec = self.steps[row]
            entry = PREPROCESSING.get(spec.kind)
            self.form_box.setTitle(f"Step {row + 1}: {entry.title}")
            self.step_help.setText(" ".join(entry.help.split()))  # the registry's line breaks are for source code
            self.form.set_entry(entry, dict(spec.params))
            empty = getattr(self.form, "_empty", None)  # the shared form's wording is about layers
            if isinstance(empty, QLabel):
                empty.setText("This step has no settings.")
        self.step_selected.emit(row)

    # ------------------------------------------------------------------ editing
    def add_step(self, kind: str) -> None:
        entry = PREPROCESSING.get(kind)
        self.steps.append(StepSpec(kind, entry.defaults()))
        self._emit(len(self.steps) - 1)

    def remove_selected(self) -> None:
        row = self.selected_row()
        if row >= 0:
            del self.steps[row]
            self._emit(min(row, len(self.steps) - 1))

    def move_selected(self, delta: int) -> None:
        row = self.selected_row()
        target = row + delta
        if row >= 0 and 0 <= target < len(self.steps):
            self.steps[row], self.steps[target] = self.steps[target], self.steps[row]
            self._emit(target)

    def _on_param_edited(self, name: str, value: Any) -> None:
        row = self.selected_row()
        if row >= 0:
            self.steps[row].params[name] = value
            self._emit(row)

    def _emit(self, select_row: int) -> None:
        self._pending_select = select_row
        self.steps_edited.emit([StepSpec(s.kind, dict(s.params)) for s in self.steps])

    def take_pending_selection(self) -> int:
        """Row the last edit wants selected once the document shows the new steps."""
        row = getattr(self, "_pending_select", -1)
        self._pending_select = -1
        return row
