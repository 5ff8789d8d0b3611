"""Presentation mode (View > Presentation mode, F11): every font 1.5x (or the size chosen in the View menu,
remembered), the projector palette with thicker lines and larger markers in the plots, full screen, side
panels folded; and going back restores the window, the fonts, the panes and the plots exactly."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QSplitter

from nnstudio.gui import palette
from nnstudio.gui.presentation import DEFAULT_SCALE, SCALE_KEY, SIDE_PANEL, PresentationMode


@pytest.fixture(autouse=True)
def normal_palette_after():
    yield
    palette.set_presentation(False)  # a failed test must not leave the next one presenting


def _training(window, qtbot):
    window.resize(1280, 800)
    window.show_tab("training")
    panel = window.training_panel
    qtbot.waitUntil(panel.isVisible)
    return panel


def _look(item) -> tuple[str, float, float]:
    pen = item.opts["pen"]
    return pen.color().name().upper(), pen.widthF(), float(item.opts["symbolSize"])


def test_f11_scales_every_font_thickens_the_curves_and_toggling_back_restores_everything(main_window, qtbot):
    panel = _training(main_window, qtbot)
    plain = panel.findChild(QLabel, "trainingHint") or next(
        w for w in panel.findChildren(QLabel) if w.isVisible() and w.text() and not w.styleSheet())
    styled = panel.findChild(QLabel, "choiceHelp")  # a style sheet: Qt does not pass an app font change on to it
    assert styled.styleSheet()
    labels = (plain, styled)
    sizes = [label.font().pointSizeF() for label in labels]
    curve = panel.loss_plot._curves["train loss"]
    before_look = _look(curve)
    assert before_look == (palette.PALETTE[0].upper(), 2.0, 7.0)
    geometry = main_window.geometry()
    splitter = panel.findChild(QSplitter)
    qtbot.waitUntil(lambda: splitter.sizes()[0] > 0 and sum(splitter.sizes()) > 1000)
    panes = splitter.sizes()
    action = main_window.presentation.action
    assert action in main_window.view_menu.actions() and action.shortcut().toString() == "F11"

    qtbot.keyClick(main_window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: main_window.isFullScreen())
    assert action.isChecked() and palette.presenting()
    assert [label.font().pointSizeF() for label in labels] == pytest.approx([s * DEFAULT_SCALE for s in sizes])
    assert _look(curve) == (palette.PRESENTATION_PALETTE[0].upper(), 4.0, pytest.approx(7.0 * palette.MARKER_SCALE))
    assert splitter.sizes()[0] > 0  # the settings stay open: a teacher shows them being changed
    title = panel.loss_plot.getPlotItem().titleLabel
    # the plot titles too (11pt), to a little above the body text (at 1.5x, 16.5pt ran past half-window plots)
    body = QApplication.font().pointSizeF()
    assert body == pytest.approx(sizes[0] * DEFAULT_SCALE)
    assert title.opts["size"] == f"{min(11 * DEFAULT_SCALE, body * 1.1):.1f}pt"

    qtbot.keyClick(main_window, Qt.Key.Key_F11)
    qtbot.waitUntil(lambda: not main_window.isFullScreen())
    assert not action.isChecked() and not palette.presenting()
    assert [label.font().pointSizeF() for label in labels] == sizes
    assert _look(curve) == before_look
    assert title.opts["size"] == "11pt"
    qtbot.wait(600)
    assert main_window.geometry() == geometry
    qtbot.waitUntil(lambda: splitter.sizes() == panes)


def test_a_curve_drawn_while_presenting_is_a_presentation_curve_and_goes_back_with_the_rest(main_window, qtbot):
    panel = _training(main_window, qtbot)
    main_window.presentation.set_active(True)
    panel.loss_plot.add_curve("new while presenting", palette.color(1))
    item = panel.loss_plot._curves["new while presenting"]
    assert item.opts["pen"].widthF() == 4.0
    main_window.presentation.set_active(False)
    assert item.opts["pen"].color().name().upper() == palette.PALETTE[1].upper()
    assert item.opts["pen"].widthF() == pytest.approx(2.0)


def test_the_text_size_is_chosen_in_the_view_menu_and_remembered(main_window, qtbot, settings_path):
    panel = _training(main_window, qtbot)
    label = panel.findChild(QLabel, "choiceHelp")
    size = label.font().pointSizeF()
    menu = main_window.presentation.scale_menu
    assert menu.menuAction() in main_window.view_menu.actions()
    assert [a.text() for a in menu.actions()] == ["125 %", "150 %", "175 %", "200 %"]
    assert next(a for a in menu.actions() if a.isChecked()).text() == "150 %"
    main_window.presentation.set_active(True)
    next(a for a in menu.actions() if a.text() == "200 %").trigger()  # while presenting: applied at once
    assert label.font().pointSizeF() == pytest.approx(size * 2.0)
    main_window.presentation.set_active(False)
    assert label.font().pointSizeF() == pytest.approx(size)
    assert main_window.settings.value(SCALE_KEY) in (2.0, "2.0")
    again = PresentationMode(main_window, main_window.settings)  # the next start reads it
    assert again.scale == 2.0
    assert next(a for a in again.scale_menu.actions() if a.isChecked()).text() == "200 %"


def test_closing_while_presenting_remembers_the_window_as_the_user_sized_it(main_window, qtbot):
    main_window.resize(1100, 700)
    qtbot.waitUntil(lambda: main_window.width() == 1100)
    as_sized = main_window.saveGeometry()
    main_window.presentation.set_active(True)
    qtbot.waitUntil(main_window.isFullScreen)
    main_window.close()
    assert not palette.presenting()
    assert main_window.settings.window_geometry() == as_sized  # not the full-screen one


def test_a_size_written_in_a_style_sheet_is_scaled_too_and_put_back(main_window, qtbot):
    panel = _training(main_window, qtbot)
    label = QLabel("sized by its style sheet", panel)
    label.setStyleSheet("color: #333; font-size: 14px;")
    label.show()
    qtbot.waitUntil(label.isVisible)
    assert label.fontInfo().pixelSize() == 14
    main_window.presentation.set_active(True)
    assert label.styleSheet() == "color: #333; font-size: 21px;"
    qtbot.waitUntil(lambda: label.fontInfo().pixelSize() == 21)
    main_window.presentation.set_active(False)
    assert label.styleSheet() == "color: #333; font-size: 14px;"
    qtbot.waitUntil(lambda: label.fontInfo().pixelSize() == 14)


def test_f11_three_times_quickly_keeps_the_side_panel_folded(main_window, qtbot):
    main_window.resize(1280, 800)
    main_window.show_tab("architecture")
    splitter = main_window.architecture_panel.findChild(QSplitter, "architectureSplitter")
    qtbot.waitUntil(lambda: splitter.sizes()[0] > 0)
    assert splitter.property(SIDE_PANEL) == 0
    for on in (True, False, True):
        main_window.presentation.set_active(on)
    qtbot.wait(700)  # past the late pane restore of the leave in between
    assert splitter.sizes()[0] == 0


def test_the_layer_palette_folds_though_the_user_cannot_fold_it_and_stays_unfoldable_after(main_window, qtbot):
    main_window.resize(1280, 800)
    main_window.show_tab("architecture")
    splitter = main_window.architecture_panel.findChild(QSplitter, "architectureSplitter")
    qtbot.waitUntil(lambda: splitter.sizes()[0] > 0)
    main_window.presentation.set_active(True)
    assert splitter.sizes()[0] == 0
    main_window.presentation.set_active(False)
    qtbot.waitUntil(lambda: splitter.sizes()[0] > 0)
    qtbot.wait(600)  # past the late pane restore
    splitter.setSizes([0, 900, 300])  # as a drag to the edge: the palette stays, as before presenting
    assert splitter.sizes()[0] > 0


def test_docks_fold_away_while_presenting_unless_marked_to_stay(main_window, qtbot):
    from PySide6.QtWidgets import QDockWidget

    from nnstudio.gui.presentation import KEEP_DOCK

    side, kept = QDockWidget("Side notes", main_window), QDockWidget("Lesson", main_window)
    side.setObjectName("sideDock")
    kept.setObjectName("keptDock")
    kept.setProperty(KEEP_DOCK, True)
    for dock in (side, kept):
        dock.setWidget(QLabel(dock.windowTitle()))
        main_window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    qtbot.waitUntil(lambda: side.isVisible() and kept.isVisible())
    main_window.presentation.set_active(True)
    assert not side.isVisible() and kept.isVisible()
    main_window.presentation.set_active(False)
    qtbot.waitUntil(side.isVisible)
    assert kept.isVisible()
