"""Pick an attribution method and set its parameters; built from the registry's declarations.

Methods, parameters and single choices that do not apply to the current model and input are disabled,
with the reason as their tooltip (rules in ``nnstudio.core.interpret.availability``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.base.registry import ATTRIBUTIONS, Entry, Param
from nnstudio.core.interpret.availability import choice_reasons, method_reason, param_reasons
from nnstudio.core.interpret.subject import Subject
from nnstudio.gui.widgets.elide_combo import narrow_combo
from nnstudio.gui.widgets.help_link import ChoiceHelpButton
from nnstudio.gui.widgets.param_form import CheckedDoubleSpinBox, CheckedSpinBox, RefusalNote
from nnstudio.gui.widgets.wrapped_label import WrappedLabel

INT_LIMIT = 2_147_483_647


def _set_item_enabled(combo: QComboBox, index: int, enabled: bool, tooltip: str) -> None:
    model = combo.model()
    if isinstance(model, QStandardItemModel):
        item = model.item(index)
        flags = item.flags()
        item.setFlags(flags | Qt.ItemFlag.ItemIsEnabled if enabled else flags & ~Qt.ItemFlag.ItemIsEnabled)
    combo.setItemData(index, tooltip, Qt.ItemDataRole.ToolTipRole)


def item_enabled(combo: QComboBox, index: int) -> bool:
    model = combo.model()
    return not isinstance(model, QStandardItemModel) or model.item(index).isEnabled()


class MethodForm(QWidget):
    changed = Signal()

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.combo = narrow_combo(QComboBox())
        self.combo.setObjectName(f"{name}Combo")
        self.combo.setToolTip("The attribution method: how the input's share in the decision is measured")
        for entry in ATTRIBUTIONS:
            slow = " (slow)" if entry.extra.get("slow") else ""
            self.combo.addItem(f"{entry.title}{slow}", entry.name)
        self.form_host = QWidget()
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.help = WrappedLabel()  # the height its lines need: in the scroll area it was squeezed to half
        self.help.setObjectName(f"{name}Help")
        self.help.setStyleSheet("color: #444;")
        self.help.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.combo)
        self.help_button = ChoiceHelpButton(self.combo, ATTRIBUTIONS)  # "?": the method's entry in Help > Concepts
        layout.addWidget(self.help_button)
        layout.addWidget(self.form_host)
        layout.addWidget(self.help)
        self.editors: dict[str, QWidget] = {}
        self.subject: Subject | None = None
        self.layer_titles: dict[str, str] = {}
        self._values: dict[str, dict[str, Any]] = {}  # what the user set, per method, kept across switches
        self._brief = False
        self.combo.currentIndexChanged.connect(self._method_switched)
        self._build()

    # ------------------------------------------------------------------ state
    @property
    def entry(self) -> Entry:
        return ATTRIBUTIONS.get(self.method())

    def method(self) -> str:
        return str(self.combo.currentData())

    def set_method(self, name: str) -> None:
        index = self.combo.findData(name)
        if index >= 0:
            self.combo.setCurrentIndex(index)

    def reason(self) -> str:
        """Why the chosen method cannot run here ("" when it can)."""
        return method_reason(self.entry, self.subject) if self.subject is not None else ""

    def set_brief(self, brief: bool) -> None:
        """Show only the first sentence of the help (full text in the tooltip), to save room."""
        self._brief = brief
        self._show_help()

    def is_slow(self) -> bool:
        return bool(self.entry.extra.get("slow"))

    def params(self) -> dict[str, Any]:
        return self.entry.validate(self._read(), self.method())

    def set_subject(self, subject: Subject | None, layer_titles: dict[str, str] | None = None) -> None:
        """Re-check what applies after the model or data changed."""
        self._remember()
        self.subject = subject
        self.layer_titles = dict(layer_titles or {})
        first_ok = -1
        for i in range(self.combo.count()):
            entry = ATTRIBUTIONS.get(str(self.combo.itemData(i)))
            why = method_reason(entry, subject) if subject is not None else ""
            _set_item_enabled(self.combo, i, not why, why or entry.help.split(". ")[0] + ".")
            if not why and first_ok < 0:
                first_ok = i
        if subject is not None and self.reason() and first_ok >= 0:
            self.combo.setCurrentIndex(first_ok)  # rebuilds through _method_switched
        else:
            self._build()

    # ------------------------------------------------------------------ form
    def _method_switched(self, _index: int) -> None:
        self._build()
        self.changed.emit()

    def _remember(self) -> None:
        if self.editors and self._built_for:
            self._values[self._built_for] = self._read()

    _built_for = ""

    def _build(self) -> None:
        self._remember()
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors.clear()
        entry = self.entry
        self._built_for = entry.name
        values = {**entry.defaults(), **self._values.get(entry.name, {})}
        params_off = param_reasons(entry, self.subject) if self.subject is not None else {}
        choices_off = choice_reasons(entry, self.subject) if self.subject is not None else {}
        for p in entry.params:
            editor = self._make_editor(p, values[p.name], choices_off)
            editor.setObjectName(f"param_{p.name}")
            label = QLabel(p.title)
            why = params_off.get(p.name, "")
            editor.setEnabled(not why)
            label.setEnabled(not why)
            editor.setToolTip(why or p.help)
            label.setToolTip(why or p.help)
            self.form.addRow(label, editor)
            self.editors[p.name] = editor
        self.note = RefusalNote()  # rebuilt with the rows: why a typed number was refused
        for editor in self.editors.values():
            self.note.watch(editor)
        self.form.addRow(self.note)
        self._show_help()

    def _show_help(self) -> None:
        entry, reason = self.entry, self.reason()
        text = entry.help.replace("\n", " ")
        self.help.setToolTip(f"<p>{text}</p>")
        if self._brief:
            text = text.split(". ")[0] + ". <i>(Hover for more.)</i>"
        self.help.setText(f"<b>{entry.title}.</b> {text}" + (f"<br><span style='color:#b00'>{reason}</span>" if reason else ""))

    def _make_editor(self, p: Param, value: Any, choices_off: dict[tuple[str, str], str]) -> QWidget:
        if p.name == "layer":
            combo = QComboBox()
            convs = self.subject.conv_layers if self.subject is not None else []
            last = self.layer_titles.get(convs[-1], convs[-1]) if convs else "none"
            combo.addItem(f"Last conv layer ({last})", "")
            for name in convs:
                combo.addItem(self.layer_titles.get(name, name), name)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.currentIndexChanged.connect(self._edited)
            return narrow_combo(combo)
        if p.type is bool:
            box = QCheckBox()
            box.setChecked(bool(value))
            box.toggled.connect(self._edited)
            return box
        if p.type is int:
            spin = CheckedSpinBox(p.title)
            spin.setRange(int(p.minimum if p.minimum is not None else -INT_LIMIT), int(min(p.maximum if p.maximum is not None else INT_LIMIT, INT_LIMIT)))
            spin.setValue(int(value))
            spin.valueChanged.connect(self._edited)
            return spin
        if p.type is float:
            spin = CheckedDoubleSpinBox(p.title)
            spin.setDecimals(3)
            spin.setSingleStep(0.01 if (p.maximum or 10) <= 1 else 0.05)
            spin.setRange(p.minimum if p.minimum is not None else -1e9, p.maximum if p.maximum is not None else 1e9)
            spin.setValue(float(value))
            spin.valueChanged.connect(self._edited)
            return spin
        combo = QComboBox()
        for choice in p.choices:
            combo.addItem(choice, choice)
        first_ok = -1
        for i, choice in enumerate(p.choices):
            why = choices_off.get((p.name, choice), "")
            _set_item_enabled(combo, i, not why, why)
            if not why and first_ok < 0:
                first_ok = i
        index = combo.findData(value)
        if index < 0 or (not item_enabled(combo, index) and first_ok >= 0):
            index = max(first_ok, 0)
        combo.setCurrentIndex(index)
        combo.currentIndexChanged.connect(self._edited)
        return narrow_combo(combo)

    def _edited(self, *_: object) -> None:
        self.changed.emit()

    def _read(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QCheckBox):
                values[name] = editor.isChecked()
            elif isinstance(editor, QSpinBox | QDoubleSpinBox):
                values[name] = editor.value()
            elif isinstance(editor, QComboBox):
                values[name] = editor.currentData()
        return values
