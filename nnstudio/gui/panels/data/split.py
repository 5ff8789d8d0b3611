"""Split settings (validation and test fractions, stratification, seed) and the batch size."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QWidget

from nnstudio.core.data.spec import SplitSpec
from nnstudio.core.training.config import setting
from nnstudio.gui.widgets.param_form import CheckedDoubleSpinBox, CheckedSpinBox, RefusalNote
from nnstudio.gui.widgets.wrapped_label import WrappedLabel


class SplitEditor(QGroupBox):
    split_edited = Signal(object, int)  # (SplitSpec, seed)
    batch_size_edited = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Split and batches", parent)
        self.setObjectName("splitEditor")
        self.validation = self._fraction("validationSpin", "Validation share", "Share of examples held out to choose models and epochs (never trained on)")
        self.test = self._fraction("testSpin", "Test share", "The vault: examples kept back until the very end, never used for training or choosing")
        self.stratify = QCheckBox("Stratify (same class proportions in every split)")
        self.stratify.setObjectName("stratifyCheck")
        self.stratify.setToolTip("Give every split the same share of each class as the whole dataset (classification only)")
        self.seed = CheckedSpinBox("Seed")
        self.seed.setObjectName("splitSeedSpin")
        self.seed.setRange(0, 2**31 - 1)  # the format takes any seed from 0; a project's own stays as it is
        self.seed.setToolTip("The same seed gives the same split (and the same generated data) every time")
        batch = setting("batch_size")  # the project format's range, as on the Training tab
        self.batch = CheckedSpinBox(batch.title)
        self.batch.setObjectName("batchSizeSpin")
        self.batch.setRange(int(batch.minimum), int(batch.maximum))
        self.batch.setToolTip("Examples per gradient step: small batches give noisy but frequent updates")
        self.counts = WrappedLabel()  # the height its lines need: a form row gave it one line of two
        self.counts.setObjectName("splitCounts")
        form = QFormLayout(self)
        form.addRow("Validation", self.validation)
        form.addRow("Test (vault)", self.test)
        form.addRow(self.stratify)
        form.addRow("Seed", self.seed)
        form.addRow("Batch size", self.batch)
        form.addRow(self.counts)
        self.note = RefusalNote()  # why a typed value was refused
        self.note.setObjectName("splitRefusal")
        for w in (self.validation, self.test, self.seed, self.batch):
            self.note.watch(w)
        form.addRow(self.note)
        for w in (self.validation, self.test, self.seed):
            w.valueChanged.connect(self._emit_split)
        self.stratify.toggled.connect(self._emit_split)
        self.batch.valueChanged.connect(lambda v: self.batch_size_edited.emit(int(v)))

    @staticmethod
    def _fraction(name: str, title: str, tip: str) -> CheckedDoubleSpinBox:
        spin = CheckedDoubleSpinBox(title)
        spin.setObjectName(name)
        spin.setRange(0.0, 0.8)
        spin.setSingleStep(0.05)
        spin.setDecimals(2)
        spin.setToolTip(tip)
        return spin

    def set_values(self, split: SplitSpec, seed: int, batch_size: int) -> None:
        widgets = (self.validation, self.test, self.stratify, self.seed, self.batch)
        for w in widgets:
            w.blockSignals(True)
        self.validation.setValue(split.validation)
        self.test.setValue(split.test)
        self.stratify.setChecked(split.stratify)
        self.seed.setValue(seed)
        self.batch.setValue(batch_size)
        for w in widgets:
            w.blockSignals(False)

    def set_counts(self, train: int, validation: int, test: int, fixed_test: bool) -> None:
        vault = " (the dataset's own test set)" if fixed_test else ""
        self.counts.setText(f"{train} training · {validation} validation · {test} test{vault} examples")

    def _emit_split(self) -> None:
        split = SplitSpec(round(self.validation.value(), 4), round(self.test.value(), 4), self.stratify.isChecked())
        self.split_edited.emit(split, int(self.seed.value()))
