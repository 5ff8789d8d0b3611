"""Every number box of the window is a checked one: a typed value out of range is refused with the reason,
never clamped silently (Qt's own QSpinBox/QDoubleSpinBox swallow the keystroke or put the bound back).
The walk opens every tab and every sub-tab first, so a new plain box anywhere fails here."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox, QMenu, QTabWidget, QWidget

from nnstudio.core.training.config import LR_MAX
from nnstudio.core.training.schedules import SCHEDULES
from nnstudio.gui.preferences import PreferencesDialog
from nnstudio.gui.widgets.param_form import CheckedDoubleSpinBox, CheckedSpinBox

# The boxes this walk must reach: one per converted view, so a walk that misses a tab fails too.
EXPECTED = {"collectEvery", "lrSteps", "snapshotCap", "exampleSpin", "cfMaxChanges", "param_lr"}


def type_into(qtbot, spin, text: str) -> None:
    qtbot.mouseClick(spin.lineEdit(), Qt.MouseButton.LeftButton)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)


def _ours(box: QWidget) -> bool:
    """Not a box inside a plot's own context menu (pyqtgraph's, which the app does not build)."""
    w = box.parentWidget()
    while w is not None:
        if isinstance(w, QMenu) or type(w).__module__.startswith("pyqtgraph"):
            return False
        w = w.parentWidget()
    return True


def _open_everything(window, qtbot) -> None:
    for i in range(window.tabs.count()):
        window.tabs.setCurrentIndex(i)
        qtbot.wait(1)
        for sub in window.tabs.currentWidget().findChildren(QTabWidget):
            for j in range(sub.count()):
                sub.setCurrentIndex(j)
                qtbot.wait(1)


def test_every_spin_box_of_every_tab_is_a_checked_one(main_window, qtbot):
    _open_everything(main_window, qtbot)
    dialog = PreferencesDialog(main_window.settings)
    qtbot.addWidget(dialog)
    boxes = [b for top in (main_window, dialog) for b in top.findChildren(QAbstractSpinBox) if _ours(b)]
    plain = sorted(f"{type(b).__name__} {b.objectName() or '(unnamed)'} in {type(b.parentWidget()).__name__}"
                   for b in boxes if not isinstance(b, CheckedSpinBox | CheckedDoubleSpinBox))
    assert plain == []
    assert {b.objectName() for b in boxes} >= EXPECTED
    assert {"prefAutosave", "prefFontScale", "prefRecent"} <= {b.objectName() for b in boxes}


def test_inside_collect_every_refuses_zero_with_the_reason(main_window, qtbot):
    main_window.show_tab("inside")
    panel = main_window.tabs.panel("inside")
    box = panel.every
    kept = box.value()
    type_into(qtbot, box, "0")
    assert box.value() == kept
    assert panel.every_note.isVisible()
    assert panel.every_note.text() == f"Collect every must be between 1 and 10000; kept {kept}"


def test_preferences_font_size_refuses_1000_percent_with_the_reason(main_window, qtbot):
    dialog = PreferencesDialog(main_window.settings)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    kept = dialog.font_scale.value()
    type_into(qtbot, dialog.font_scale, "1000")
    assert dialog.font_scale.value() == kept
    assert dialog.isVisible()  # Enter on a refused value does not press OK and close the reason away
    assert dialog.note.isVisible()
    assert dialog.note.text() == f"Font size must be between 80 and 300; kept {kept}"


def test_schedule_minimum_rate_reaches_the_learning_rates_bound():
    for name in ("cosine", "plateau"):
        (min_lr,) = [p for p in SCHEDULES.get(name).params if p.name == "min_lr"]
        assert min_lr.maximum == LR_MAX
