"""Choosing one test example by number, with its label and a small picture (or its values)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from nnstudio.gui.panels.interpret.jobs import Source
from nnstudio.gui.widgets.image_grid import to_pixmap
from nnstudio.gui.widgets.param_form import CheckedSpinBox, RefusalNote

THUMB = 48


class ExamplePicker(QWidget):
    changed = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spin = CheckedSpinBox("The test example")
        self.spin.setObjectName("exampleSpin")
        self.spin.setToolTip("Which test example to look at")
        self.spin.setRange(0, 0)
        self.thumb = QLabel()
        self.thumb.setFixedSize(THUMB, THUMB)
        self.text = QLabel()
        self.text.setObjectName("exampleText")
        self.text.setWordWrap(True)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Test example:"))
        row.addWidget(self.spin)
        row.addWidget(self.thumb)
        row.addWidget(self.text, 1)
        self.note = RefusalNote()
        self.note.watch(self.spin)
        row.addWidget(self.note)
        self.source = Source()
        self.xs: np.ndarray = np.zeros((0,))
        self.ys: np.ndarray = np.zeros((0,))
        self.spin.valueChanged.connect(self._changed)

    def set_source(self, source: Source) -> None:
        self.source = source
        if source.bundle is not None and source.subject is not None:
            self.xs, self.ys = source.test_xy()
        else:
            self.xs, self.ys = np.zeros((0,)), np.zeros((0,))
        self.spin.blockSignals(True)
        self.spin.setRange(0, max(0, len(self.xs) - 1))
        self.spin.blockSignals(False)
        self._changed(self.spin.value())

    def index(self) -> int:
        return self.spin.value()

    def x(self) -> np.ndarray | None:
        return self.xs[self.index()] if len(self.xs) else None

    def _changed(self, i: int) -> None:
        if not len(self.xs):
            self.text.setText("No test examples")
            self.thumb.clear()
            self.thumb.hide()
            return
        label = self.source.label_text(self.ys[i])
        subject = self.source.subject
        if subject is not None and subject.spatial:
            self.thumb.show()
            self.thumb.setPixmap(to_pixmap(self.xs[i], THUMB))
            self.text.setText(f"label {label}")
        else:
            self.thumb.hide()
            values = self.xs[i].reshape(-1)
            shown = ", ".join(f"{v:.2f}" for v in values[:5]) + (" …" if values.size > 5 else "")
            self.text.setText(f"label {label}: {shown}")
        self.changed.emit(i)
