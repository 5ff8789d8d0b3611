"""A form generated from a registry entry's Params: spin boxes with the allowed ranges, combo and check boxes.

Any registry entry (layer, loss, optimizer, dataset ...) can be edited with it. The form emits
``param_edited(name, value)`` once per committed change (typing is committed on Enter or focus loss), and
``set_values`` updates it without echoing signals back.

It also holds the number boxes every form of the app uses (:class:`CheckedSpinBox`,
:class:`CheckedDoubleSpinBox`): a typed value outside the allowed range is refused with the reason, never
clamped or reverted silently as Qt's own spin boxes do, and a :class:`RefusalNote` beside them shows it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QValidator
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

from nnstudio.core.base.registry import Entry, Param
from nnstudio.gui.widgets.help_link import HelpButton

INT_LIMIT = 2_147_483_647
# On the box's text field only: a style sheet on the spin box itself would redraw its arrows without a style.
REFUSED_STYLE = "background: #fbd4d4; color: #8a1010;"
# Keys after which Qt interprets what was typed: checked first, so Qt never sees an out-of-range value.
_COMMIT_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp,
                Qt.Key.Key_PageDown, Qt.Key.Key_Tab, Qt.Key.Key_Backtab)


def format_number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


class _Checked:
    """What both number boxes share. Qt's boxes swallow keystrokes that would leave the range and, when
    editing ends, silently put the previous value back (or the nearest bound). Here any number may be typed;
    on Enter, Tab, an arrow key or focus loss a value out of range (or too precise for the box) is refused:
    the box's text turns red, its tooltip and ``refused`` say why, and the previous value stays."""

    title = "This value"
    integer = False

    def _setup_check(self, title: str) -> None:
        self.title = title
        self.refusal = ""  # the last refusal's sentence, until an accepted edit
        self._help = ""
        self.setKeyboardTracking(False)
        self.lineEdit().installEventFilter(self)
        self.installEventFilter(self)
        self.valueChanged.connect(self._clear_refusal)

    def setToolTip(self, tip: str) -> None:  # noqa: N802 - Qt's name
        self._help = tip
        super().setToolTip(f"{self.refusal}\n\n{tip}" if self.refusal else tip)

    # -------------------------------------------------------------- parsing
    def _clean(self, text: str) -> str:
        return text.removeprefix(self.prefix()).removesuffix(self.suffix()).strip()

    def _parse(self, clean: str) -> float | None:
        try:
            return float(clean)
        except ValueError:  # a locale's own spelling, e.g. 0,5
            value, ok = self.locale().toDouble(clean)
            return value if ok else None

    def problem(self, number: float) -> str:
        """Why ``number`` cannot be this box's value, or ''."""
        low, high = self.minimum(), self.maximum()
        if not low <= number <= high:
            return f"{self.title} must be between {format_number(low)} and {format_number(high)}"
        if self.integer and not float(number).is_integer():
            return f"{self.title} must be a whole number"
        if not self.integer and round(number, self.decimals()) != number:
            return f"{self.title} takes at most {self.decimals()} decimals"
        return ""

    def validate(self, text: str, pos: int):  # noqa: ANN201 - Qt's signature
        clean = self._clean(text)
        if self.specialValueText() and text == self.specialValueText():
            return QValidator.State.Acceptable, text, pos
        if not clean or clean in ("-", "+", ".", "-.") or clean.lower().endswith(("e", "e-", "e+")):
            return QValidator.State.Intermediate, text, pos
        number = self._parse(clean)
        if number is None:
            return QValidator.State.Invalid, text, pos
        # Out of range is Intermediate, not Invalid: the keystroke stays visible and the check explains it.
        return (QValidator.State.Intermediate if self.problem(number) else QValidator.State.Acceptable), text, pos

    def valueFromText(self, text: str):  # noqa: N802, ANN201
        if self.specialValueText() and text == self.specialValueText():
            return self.minimum()
        number = self._parse(self._clean(text))
        if number is None:
            return self.value()
        return int(number) if self.integer else number

    # -------------------------------------------------------------- the check
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind == QEvent.Type.FocusOut or (kind == QEvent.Type.KeyPress and event.key() in _COMMIT_KEYS):
            refused = not self.check_typed()
            # A refused Enter or step key stops here. Enter: in a dialog Qt passes it on to the default button,
            # which would close the dialog, and the reason with it, before it was read. Up/Down/Page: Qt would
            # step the kept value, and that accepted change would clear the reason at once. Tab moves on.
            if refused and kind == QEvent.Type.KeyPress and event.key() not in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
                return True
        return False  # Qt goes on as usual, with the refused text already replaced by the kept value

    def check_typed(self) -> bool:
        """Refuse what is typed when it is out of range; True when the text may be committed."""
        text = self.lineEdit().text()
        if self.specialValueText() and text == self.specialValueText():
            return True
        number = self._parse(self._clean(text))
        if number is None:
            return True  # half-typed ("1e", "-"): Qt puts the value back, which is what the box showed
        problem = self.problem(number)
        if not problem:
            return True
        kept = self.value()
        self.setValue(kept)  # rewrites the text; the value itself did not change, so nothing is emitted
        self.show_refusal(f"{problem}; kept {self.textFromValue(kept)}")
        return False

    def show_refusal(self, message: str) -> None:
        self.refusal = message
        self.lineEdit().setStyleSheet(REFUSED_STYLE)
        self.setToolTip(self._help)
        self.refused.emit(message)

    def _clear_refusal(self, *_: object) -> None:
        if self.refusal:
            self.refusal = ""
            self.lineEdit().setStyleSheet("")
            self.setToolTip(self._help)
            self.accepted.emit()


class CheckedSpinBox(_Checked, QSpinBox):
    """A whole-number box that refuses out-of-range typing with the reason (see :class:`_Checked`)."""

    refused = Signal(str)  # the sentence shown
    accepted = Signal()  # an accepted edit after a refusal: the red is gone

    integer = True

    def __init__(self, title: str = "This value", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setup_check(title)


class CheckedDoubleSpinBox(_Checked, QDoubleSpinBox):
    """A number box that refuses out-of-range typing with the reason. ``general`` shows values as typed
    (0.5, 1e-05) with 12 decimals kept, for parameters whose useful values span many magnitudes."""

    refused = Signal(str)
    accepted = Signal()

    def __init__(self, title: str = "This value", general: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.general = general
        if general:
            self.setDecimals(12)
        self._setup_check(title)

    def textFromValue(self, value: float) -> str:  # noqa: N802
        return f"{value:g}" if self.general else super().textFromValue(value)


class RefusalNote(QLabel):
    """The red line beside a form that says why a typed value was refused; hidden when nothing was."""

    shown = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("refusalNote")
        self.setWordWrap(True)
        self.setStyleSheet("color: #a01010; font-weight: bold;")
        self.hide()
        self._source: QObject | None = None

    def watch(self, box: QWidget) -> None:
        if isinstance(box, _Checked):
            box.refused.connect(lambda message, b=box: self._show(b, message))
            box.accepted.connect(lambda b=box: self._hide_for(b))

    def _show(self, box: QObject, message: str) -> None:
        self._source = box
        self.setText(message)
        self.show()
        self.shown.emit(message)

    def _hide_for(self, box: QObject) -> None:
        if self._source is box:
            self._source = None
            self.clear()
            self.hide()


def _float_step(p: Param) -> float:
    span = (p.maximum if p.maximum is not None else 10.0) - (p.minimum if p.minimum is not None else 0.0)
    if span <= 1.0:
        return 0.05
    if span <= 10.0:
        return 0.1
    return 1.0


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
        self.note = RefusalNote()

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
        self.note = RefusalNote()
        self._layout.addRow(HelpButton(entry.name, entry.title))  # "?": this choice's entry in Help > Concepts
        for p in entry.params:
            editor = self._make_editor(p)
            self.note.watch(editor)
            editor.setObjectName(f"param_{p.name}")
            editor.setToolTip(p.help)
            label = QLabel(p.title)
            label.setToolTip(p.help)
            label.setBuddy(editor)
            self._layout.addRow(label, editor)
            self.editors[p.name] = editor
        self._layout.addRow(self.note)
        self.set_values(values or entry.defaults())

    def _make_editor(self, p: Param) -> QWidget:
        if p.type is bool:
            box = QCheckBox()
            box.toggled.connect(lambda checked, name=p.name: self.param_edited.emit(name, bool(checked)))
            return box
        if p.type is int:
            spin = CheckedSpinBox(p.title)
            spin.setRange(int(p.minimum) if p.minimum is not None else -INT_LIMIT, int(p.maximum) if p.maximum is not None else INT_LIMIT)
            spin.setAccelerated(True)
            if p.minimum == 0 and p.name.startswith("in_"):
                spin.setSpecialValueText("auto")  # 0 means: match what arrives
            spin.valueChanged.connect(lambda value, name=p.name: self.param_edited.emit(name, int(value)))
            return spin
        if p.type is float:
            # Shown as typed (1e-05 stays 1e-05): a fixed number of decimals would round small values to 0.
            spin = CheckedDoubleSpinBox(p.title, general=True)
            spin.setSingleStep(_float_step(p))
            spin.setRange(p.minimum if p.minimum is not None else -1e9, p.maximum if p.maximum is not None else 1e9)
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
