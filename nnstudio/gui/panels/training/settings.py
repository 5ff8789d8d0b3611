"""The Training tab's settings form, generated from the registries' and TrainSpec's ``Param`` declarations.

Nothing here knows a particular loss or optimizer: picking an entry shows its explanation and builds the
editors for its parameters, each with the parameter's help as tooltip.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from nnstudio.core.base.registry import LOSSES, OPTIMIZERS, Param, Registry
from nnstudio.core.training.config import TrainSpec, setting
from nnstudio.core.training.schedules import SCHEDULES
from nnstudio.gui.widgets.help_link import ChoiceHelpButton
from nnstudio.gui.widgets.param_form import CheckedDoubleSpinBox, CheckedSpinBox, RefusalNote
from nnstudio.gui.widgets.wrapped_label import WrappedLabel

STEPS_125 = (1.0, 2.0, 5.0)


class ScientificSpinBox(CheckedDoubleSpinBox):
    """A number box that shows 0.001 or 1e-05 as typed and steps 1-2-5 (0.001, 0.002, 0.005, 0.01 ...):
    learning rates and regularization strengths live on a log scale. Like every number box of the app it
    refuses a typed value outside its range with the reason instead of clamping it."""

    def __init__(self, minimum: float, maximum: float, title: str = "This value", parent: QWidget | None = None) -> None:
        super().__init__(title, general=True, parent=parent)
        self.setRange(minimum, maximum)

    def stepBy(self, steps: int) -> None:  # noqa: N802
        value = self.value()
        for _ in range(abs(steps)):
            value = _step_125(value, steps > 0, self.minimum())
        self.setValue(min(max(value, self.minimum()), self.maximum()))


def _step_125(value: float, up: bool, minimum: float) -> float:
    if value <= 0:
        return max(minimum, 1e-5) if up else 0.0
    exponent = math.floor(math.log10(value) + 1e-9)
    grid = [m * 10.0**e for e in (exponent - 1, exponent, exponent + 1) for m in STEPS_125]
    if up:
        return min((g for g in grid if g > value * (1 + 1e-9)), default=value * 2)
    lower = [g for g in grid if g < value * (1 - 1e-9)]
    return max(lower) if lower else (0.0 if minimum <= 0 else value / 2)


def editor_for(param: Param, value: Any) -> QWidget:
    """The widget that edits one Param, limited to its range, with its help as tooltip."""
    if param.type is bool:
        widget: QWidget = QCheckBox()
        widget.setChecked(bool(value))
    elif param.type is int:
        widget = CheckedSpinBox(param.title)
        widget.setRange(int(param.minimum if param.minimum is not None else -(2**31)),
                        int(min(param.maximum if param.maximum is not None else 2**31 - 1, 2**31 - 1)))
        widget.setValue(int(value))
    elif param.type is float:
        low = param.minimum if param.minimum is not None else -1e9
        high = param.maximum if param.maximum is not None else 1e9
        if high - low > 50 or abs(param.default) < 0.01 or param.name in ("lr", "min_lr"):
            widget = ScientificSpinBox(low, high, param.title)
        else:
            widget = CheckedDoubleSpinBox(param.title)
            widget.setDecimals(4)
            widget.setRange(low, high)
            widget.setSingleStep(10.0 ** (math.floor(math.log10(high - low)) - 1))
        widget.setValue(float(value))
    else:
        widget = QComboBox()
        for choice in param.choices:
            widget.addItem(choice, choice)
        widget.setCurrentIndex(max(0, widget.findData(value)))
    widget.setToolTip(param.help)
    widget.setObjectName(f"param_{param.name}")
    return widget


def editor_value(widget: QWidget) -> Any:
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QSpinBox | QDoubleSpinBox):
        return widget.value()
    assert isinstance(widget, QComboBox)
    return widget.currentData()


def set_editor_value(widget: QWidget, value: Any) -> None:
    widget.blockSignals(True)
    if isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif isinstance(widget, QSpinBox):
        widget.setValue(int(value))
    elif isinstance(widget, QDoubleSpinBox):
        widget.setValue(float(value))
    elif isinstance(widget, QComboBox):
        widget.setCurrentIndex(max(0, widget.findData(value)))
    widget.blockSignals(False)


def _connect_changed(widget: QWidget, slot) -> None:
    if isinstance(widget, QCheckBox):
        widget.toggled.connect(slot)
    elif isinstance(widget, QSpinBox | QDoubleSpinBox):
        widget.valueChanged.connect(slot)
    elif isinstance(widget, QComboBox):
        widget.currentIndexChanged.connect(slot)


class ParamRows:
    """Editors for a list of Params added to a QFormLayout; rebuilt when the chosen entry changes."""

    def __init__(self, layout: QFormLayout, first_row: int, on_change, note: RefusalNote | None = None) -> None:
        self.layout = layout
        self.first_row = first_row
        self.on_change = on_change
        self.note = note  # where a refused value's reason shows
        self.editors: dict[str, QWidget] = {}

    def rebuild(self, params: tuple[Param, ...], values: dict[str, Any]) -> None:
        for _ in range(len(self.editors)):
            self.layout.removeRow(self.first_row)
        self.editors = {}
        for offset, param in enumerate(params):
            editor = editor_for(param, values.get(param.name, param.default))
            _connect_changed(editor, self.on_change)
            if self.note is not None:
                self.note.watch(editor)
            label = QLabel(param.title + ":")
            label.setToolTip(param.help)
            self.layout.insertRow(self.first_row + offset, label, editor)
            self.editors[param.name] = editor

    def values(self) -> dict[str, Any]:
        return {name: editor_value(w) for name, w in self.editors.items()}


PARAMS_ROW = 3  # a RegistryChoice's rows: the combo, its explanation, its "?", then the parameters


class RegistryChoice(QGroupBox):
    """Pick one entry of a registry: a list with each entry's explanation, then its parameters."""

    changed = Signal()

    def __init__(self, title: str, registry: Registry[Any], parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.registry = registry
        self.combo = QComboBox()
        self.combo.setObjectName(f"{registry.kind.split()[-1]}Choice")
        for entry in registry:
            self.combo.addItem(entry.title, entry.name)
            self.combo.setItemData(self.combo.count() - 1, " ".join(entry.help.split()), Qt.ItemDataRole.ToolTipRole)
        self.help = WrappedLabel()
        self.help.setObjectName("choiceHelp")
        self.help.setStyleSheet("color: #555;")
        self.form = QFormLayout(self)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.addRow(self.combo)
        self.form.addRow(self.help)
        self.help_button = ChoiceHelpButton(self.combo, registry)  # "?": the choice's entry in Help > Concepts
        self.form.addRow(self.help_button)
        self.note = RefusalNote()  # last row: the parameter rows are inserted above it
        self.form.addRow(self.note)
        self.rows = ParamRows(self.form, PARAMS_ROW, self._param_edited, self.note)
        self.combo.currentIndexChanged.connect(self._entry_changed)

    @property
    def name(self) -> str:
        return self.combo.currentData()

    def params(self) -> dict[str, Any]:
        return self.rows.values()

    def set_value(self, name: str, params: dict[str, Any]) -> None:
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(0, self.combo.findData(name)))
        self.combo.blockSignals(False)
        self._show(self.name, params)

    def _show(self, name: str, params: dict[str, Any]) -> None:
        entry = self.registry.get(name)
        text = " ".join(entry.help.split())  # the registry's source line breaks are not paragraph breaks
        self.help.setText(text)
        self.combo.setToolTip(text)
        self.help_button.follow()
        self.rows.rebuild(entry.params, params)

    def _entry_changed(self) -> None:
        self._show(self.name, {})
        self.changed.emit()

    def _param_edited(self, *_: object) -> None:
        self.changed.emit()


# The plain settings, grouped as the form shows them.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Batches and epochs", ("batch_size", "epochs")),
    ("Regularization", ("weight_decay", "l1", "grad_clip")),
    ("Early stopping", ("early_stopping", "monitor", "patience", "min_delta", "restore_best")),
    ("Reproducibility and hardware", ("seed", "device", "precision")),
)


class TrainingSettingsForm(QWidget):
    """Edits a TrainSpec. ``changed`` fires on every user edit; ``spec()`` reads the form back."""

    changed = Signal()
    refused = Signal(str)  # a typed value was refused: the sentence its group shows

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trainingSettings")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.loss = RegistryChoice("Loss", LOSSES)
        self.optimizer = RegistryChoice("Optimizer", OPTIMIZERS)
        self.schedule = RegistryChoice("Learning-rate schedule", SCHEDULES)
        self.editors: dict[str, QWidget] = {}
        lr = setting("lr")
        self.editors["lr"] = editor_for(lr, lr.default)
        lr_label = QLabel(lr.title + ":")
        lr_label.setToolTip(lr.help)
        # The learning rate sits with the optimizer, above the optimizer's own parameters.
        self.optimizer.form.insertRow(PARAMS_ROW, lr_label, self.editors["lr"])
        self.optimizer.rows.first_row = PARAMS_ROW + 1
        self.optimizer.note.watch(self.editors["lr"])
        self.notes = [self.loss.note, self.optimizer.note, self.schedule.note]
        layout.addWidget(self.loss)
        layout.addWidget(self.optimizer)
        layout.addWidget(self.schedule)
        for title, names in GROUPS:
            box = QGroupBox(title)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            note = RefusalNote()
            for name in names:
                param = setting(name)
                editor = editor_for(param, param.default)
                label = QLabel(param.title + ":")
                label.setToolTip(param.help)
                form.addRow(label, editor)
                note.watch(editor)
                self.editors[name] = editor
            form.addRow(note)
            self.notes.append(note)
            layout.addWidget(box)
        layout.addStretch(1)
        for choice in (self.loss, self.optimizer, self.schedule):
            choice.changed.connect(self._edited)
        for editor in self.editors.values():
            _connect_changed(editor, self._edited)
        for note in self.notes:  # the loss's and optimizer's rows are rebuilt; their groups' notes stay
            note.shown.connect(self.refused)
        self.set_spec(TrainSpec())

    def set_spec(self, spec: TrainSpec) -> None:
        """Show ``spec`` without emitting ``changed``."""
        self.loss.set_value(spec.loss, spec.loss_params)
        self.optimizer.set_value(spec.optimizer, spec.optimizer_params)
        self.schedule.set_value(spec.schedule, spec.schedule_params)
        for name, editor in self.editors.items():
            set_editor_value(editor, getattr(spec, name))
        self._update_enabled()

    def spec(self) -> TrainSpec:
        spec = TrainSpec()
        spec.loss, spec.loss_params = self.loss.name, self.loss.params()
        spec.optimizer, spec.optimizer_params = self.optimizer.name, self.optimizer.params()
        spec.schedule, spec.schedule_params = self.schedule.name, self.schedule.params()
        for name, editor in self.editors.items():
            setattr(spec, name, editor_value(editor))
        return spec

    def _update_enabled(self) -> None:
        on = bool(self.editors["early_stopping"].isChecked())
        for name in ("patience", "min_delta", "restore_best"):
            self.editors[name].setEnabled(on)

    def _edited(self, *_: object) -> None:
        self._update_enabled()
        self.changed.emit()
