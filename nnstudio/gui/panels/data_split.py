"""Split settings (validation and test fractions, stratification, seed) and the batch size."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QSpinBox, QWidget

from nnstudio.core.data.spec import SplitSpec


class SplitEditor(QGroupBox):
    split_edited = Signal(object, int)  # (SplitSpec, seed)
    batch_size_edited = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Split and batches", parent)
        self.setObjectName("splitEditor")
        self.validation = self._fraction("validationSpin", "Share of examples held out to choose models and epochs (never trained on)")
        self.test = self._fraction("testSpin", "The vault: examples kept back until the very end, never used for training or choosing")
        self.stratify = QCheckBox("Stratify (same class proportions in every split)")
        self.stratify.setObjectName("stratifyCheck")
        self.seed = QSpinBox()
        self.seed.setObjectName("splitSeedSpin")
        self.seed.setRange(0, 1_000_000)
        self.seed.setToolTip("The same seed gives the same split (and the same generated data) every time")
        self.seed.setKeyboardTracking(False)
        self.batch = QSpinBox()
        self.batch.setObjectName("batchSizeSpin")
        self.batch.setRange(1, 65536)
        self.batch.setKeyboardTracking(False)
        self.batch.setToolTip("Examples per gradient step: small batches give noisy but frequent updates")
        self.counts = QLabel()
        self.counts.setObjectName("splitCounts")
        self.counts.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Validation", self.validation)
        form.addRow("Test (vault)", self.test)
        form.addRow(self.stratify)
        form.addRow("Seed", self.seed)
        form.addRow("Batch size", self.batch)
        form.addRow(self.counts)
        for w in (self.validation, self.test, self.seed):
            w.valueChanged.connect(self._emit_split)
        self.stratify.toggled.connect(self._emit_split)
        self.batch.valueChanged.connect(lambda v: self.batch_size_edited.emit(int(v)))

    @staticmethod
    def _fraction(name: str, tip: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setObjectName(name)
        spin.setRange(0.0, 0.8)
        spin.setSingleStep(0.05)
        spin.setDecimals(2)
        spin.setKeyboardTracking(False)
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
