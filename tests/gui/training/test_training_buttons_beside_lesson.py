"""The Training tab's buttons with a lesson's panel docked beside the tabs at 1280x720, plain and presenting:
the row of eight buttons was wider than the tab ("Reset weight..." cut)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from nnstudio.core.lessons.format import find_lesson
from nnstudio.gui.clipping import clipped_texts, describe


@pytest.mark.parametrize("presenting", [False, True])
def test_every_training_button_reads_whole_beside_a_lesson(main_window, qtbot, presenting):
    window = main_window
    assert window.lessons.open_lesson(find_lesson("neurons_and_activations"))
    if presenting:
        window.presentation.set_active(True)
    window.setWindowState(Qt.WindowState.WindowNoState)
    window.resize(1280, 720)
    qtbot.waitUntil(lambda: window.width() == 1280 and window.height() == 720)
    window.show_tab("training")
    panel = window.training_panel
    qtbot.waitUntil(lambda: panel.reset_button.isVisible())
    qtbot.wait(50)
    assert window.lessons.panel.isVisible()
    for button in (panel.train_button, panel.reset_button, panel.stop_button):
        assert button.width() >= button.sizeHint().width(), button.text()
    assert describe(clipped_texts(window)) == ""
