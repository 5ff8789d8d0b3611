"""A form generated from a registry entry's Params: spin boxes with the allowed ranges, combo and check boxes.

Any registry entry (layer, loss, optimizer, dataset ...) can be edited with it. The form emits
``param_edited(name, value)`` once per committed change (typing is committed on Enter or focus loss), and
``set_values`` updates it without echoing signals back.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from nnstudio.core.registry import Entry, Param

INT_LIMIT = 2_147_483_647


def _float_step(p: Param) -> tuple[float, int]:
    span = (p.maximum if p.maximum is not None else 10.0) - (p.minimum if p.minimum is not None else 0.0)
    if span <= 1.0:
        return 0.05, 3
    if span <= 10.0:
        return 0.1, 3
    return 1.0, 3


class ParamForm(QWidget):
    param_edited = Signal(str, object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("paramForm")
        self.entry: Entry | None = None
        self.editors: dict[str, QWidget] = {}
        self._layout = QFormLayout(self)
        self._layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._empty = QLabel("This layer has no settings.")
        self._empty.setObjectName("noParamsLabel")

    # ------------------------------------------------------------------ building
    def set_entry(self, entry: Entry | None, values: dict[str, Any] | None = None) -> None:
        """Rebuild the form for ``entry``; keep the widgets when the entry is the same one."""
        if entry is not None and self.entry is not None and entry.name == self.entry.name and self.editors.keys() == {p.name for p in entry.params}:
            self.set_values(values or entry.defaults())
            return
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self._empty = QLabel("This layer has no settings.")
        self._empty.setObjectName("noParamsLabel")
        self.editors.clear()
        self.entry = entry
        if entry is None:
            return
        if not entry.params:
            self._layout.addRow(self._empty)
        for p in entry.params:
            editor = self._make_editor(p)
            editor.setObjectName(f"param_{p.name}")
            editor.setToolTip(p.help)
            label = QLabel(p.title)
            label.setToolTip(p.help)
            label.setBuddy(editor)
            self._layout.addRow(label, editor)
            self.editors[p.name] = editor
        self.set_values(values or entry.defaults())

    def _make_editor(self, p: Param) -> QWidget:
        if p.type is bool:
            box = QCheckBox()
            box.toggled.connect(lambda checked, name=p.name: self.param_edited.emit(name, bool(checked)))
            return box
        if p.type is int:
            spin = QSpinBox()
            spin.setRange(int(p.minimum) if p.minimum is not None else -INT_LIMIT, int(p.maximum) if p.maximum is not None else INT_LIMIT)
            spin.setKeyboardTracking(False)
            spin.setAccelerated(True)
            if p.minimum == 0 and p.name.startswith("in_"):
                spin.setSpecialValueText("auto")  # 0 means: match what arrives
            spin.valueChanged.connect(lambda value, name=p.name: self.param_edited.emit(name, int(value)))
            return spin
        if p.type is float:
            spin = QDoubleSpinBox()
            step, decimals = _float_step(p)
            spin.setDecimals(decimals)
            spin.setSingleStep(step)
            spin.setRange(p.minimum if p.minimum is not None else -1e9, p.maximum if p.maximum is not None else 1e9)
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(lambda value, name=p.name: self.param_edited.emit(name, float(value)))
            return spin
        if p.choices:
            combo = QComboBox()
            combo.addItems(list(p.choices))
            combo.currentTextChanged.connect(lambda text, name=p.name: self.param_edited.emit(name, text))
            return combo
        line = QLineEdit()
        line.editingFinished.connect(lambda name=p.name, w=line: self._line_committed(name, w))
        return line

    def _line_committed(self, name: str, line: QLineEdit) -> None:
        if line.isModified():
            line.setModified(False)
            self.param_edited.emit(name, line.text())

    # ------------------------------------------------------------------ values
    def set_values(self, values: dict[str, Any]) -> None:
        for name, editor in self.editors.items():
            if name not in values:
                continue
            value = values[name]
            if self._value_of(editor) == value:
                continue  # touching an editor mid-keypress would reset its auto-repeat state
            editor.blockSignals(True)
            try:
                if isinstance(editor, QCheckBox):
                    editor.setChecked(bool(value))
                elif isinstance(editor, QSpinBox | QDoubleSpinBox):
                    editor.setValue(value)
                elif isinstance(editor, QComboBox):
                    editor.setCurrentText(str(value))
                elif isinstance(editor, QLineEdit) and editor.text() != str(value):
                    editor.setText(str(value))
                    editor.setModified(False)
            finally:
                editor.blockSignals(False)

    def values(self) -> dict[str, Any]:
        return {name: self._value_of(editor) for name, editor in self.editors.items()}

    @staticmethod
    def _value_of(editor: QWidget) -> Any:
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QSpinBox | QDoubleSpinBox):
            return editor.value()
        if isinstance(editor, QComboBox):
            return editor.currentText()
        if isinstance(editor, QLineEdit):
            return editor.text()
        return None
