"""A value typed out of range and then stepped with an arrow or page key is refused visibly, like Enter:
the key does not also step the kept value (which cleared the red and the note at once, so the refusal
flashed by unread)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QWidget

from nnstudio.gui.widgets.param_form import REFUSED_STYLE, CheckedSpinBox, RefusalNote


@pytest.mark.parametrize("key", [Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown])
def test_a_refused_value_then_an_arrow_key_keeps_the_value_and_the_reason(qtbot, key):
    host = QWidget()
    form = QFormLayout(host)
    box = CheckedSpinBox("Grid points")
    box.setRange(3, 100)
    box.setValue(20)
    note = RefusalNote()
    note.watch(box)
    form.addRow("Grid points:", box)
    form.addRow(note)
    qtbot.addWidget(host)
    host.show()
    qtbot.waitExposed(host)

    qtbot.mouseClick(box.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box.lineEdit(), "5000")
    qtbot.keyClick(box.lineEdit(), key)

    said = "Grid points must be between 3 and 100; kept 20"
    assert box.value() == 20 and box.text() == "20"
    assert note.isVisible() and note.text() == said
    assert box.lineEdit().styleSheet() == REFUSED_STYLE

    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Up)  # the next press steps as usual, and clears the red
    assert box.value() == 21 and note.isHidden() and box.lineEdit().styleSheet() == ""
