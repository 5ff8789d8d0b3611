"""Presentation mode on a 1280x720 projector: the Training tab keeps its settings open and readable (the teacher
shows the learning rate and the loss they change), none of their text cut; the curves get the rest."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea

from nnstudio.gui import palette
from nnstudio.gui.clipping import clipped_texts, describe


@pytest.fixture(autouse=True)
def normal_palette_after():
    yield
    palette.set_presentation(False)


def test_presenting_at_1280x720_shows_the_training_settings_uncut(main_window, qtbot):
    main_window.resize(1280, 800)
    main_window.show_tab("training")
    panel = main_window.training_panel
    qtbot.waitUntil(panel.isVisible)
    main_window.presentation.set_active(True)
    main_window.setWindowState(Qt.WindowState.WindowNoState)  # a 1280x720 projector, not the test screen
    main_window.resize(1280, 720)
    qtbot.waitUntil(lambda: main_window.width() == 1280 and main_window.height() == 720)
    qtbot.wait(50)  # the layout settles
    scroll = panel.findChild(QScrollArea, "trainingSettingsScroll")
    form = panel.settings_form
    assert scroll.width() >= form.minimumSizeHint().width()  # as wide as its scaled content: not folded away
    for widget in (form.loss.combo, form.optimizer.combo):  # in sight as the tab opens
        assert widget.isVisible() and not widget.visibleRegion().isEmpty(), widget.objectName()
    for widget in (form.editors["lr"], form.editors["epochs"]):  # further down: a scroll away, not folded away
        scroll.ensureWidgetVisible(widget)
        qtbot.waitUntil(lambda w=widget: not w.visibleRegion().isEmpty())
    assert describe(clipped_texts(scroll)) == ""
    assert panel.loss_plot.width() + panel.metric_plot.width() > 2 * scroll.width()  # the curves get most of the width
    main_window.presentation.set_active(False)
