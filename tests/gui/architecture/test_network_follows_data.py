"""After picking another dataset the network follows it (one undo step, a status note),
except for a pinned layer, which keeps its size and shows its pin while the mismatch is reported."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from nnstudio.gui.panels.architecture.stack import COL_INDEX, COL_KIND, COL_SETTINGS, COL_SHAPE
from nnstudio.gui.panels.data.source import DataSourceWidget

SHOTS = os.environ.get("NNSTUDIO_SHOTS")  # a folder: save screenshots at the two window sizes


@pytest.fixture(autouse=True)
def _discard_on_close(monkeypatch):
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)


def pick_dataset(qtbot, window, name: str) -> None:
    """Open the Data tab's source combo with a click, click the dataset's row in its list, press Apply."""
    window.tabs.setCurrentWidget(window.data_panel)
    widget = window.data_panel.findChild(DataSourceWidget)
    combo = widget.source_combo
    qtbot.mouseClick(combo, Qt.MouseButton.LeftButton)
    view = combo.view()
    qtbot.waitUntil(view.isVisible, timeout=3000)
    index = combo.model().index(combo.findData(name), 0)
    view.scrollTo(index)
    where = view.visualRect(index).center()
    qtbot.wait(QApplication.doubleClickInterval() + 50)  # the popup ignores a release this soon after it opened
    qtbot.mouseMove(view.viewport(), where)  # the popup picks the row under the pointer on release, as a mouse does
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert combo.currentData() == name
    with qtbot.waitSignal(widget.data_applied, timeout=20_000):
        qtbot.mouseClick(widget.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not widget.loader.running, timeout=20_000)
    assert window.document.project.data.source == name


def rows(panel):
    return [panel.stack.topLevelItem(i) for i in range(panel.stack.topLevelItemCount())]


def settings(panel) -> list[str]:
    return [item.text(COL_SETTINGS) for item in rows(panel)]


def shoot(window, name: str) -> None:
    if not SHOTS:
        return
    for w, h in ((1600, 1000), (1280, 720)):
        window.resize(w, h)
        window.grab().save(os.path.join(SHOTS, f"{name}_{w}x{h}.png"))


def test_switching_dataset_adapts_sizes_in_one_undo_step(qtbot, main_window):
    window = main_window
    stack = window.ctx.undo_stack
    pick_dataset(qtbot, window, "iris")  # from the default 8x8 digits (64 inputs, 10 classes)
    assert stack.count() == 1
    assert stack.text(0) == "Fit network to data (layer 2 Linear in_features 64 → 4, layer 4 Linear out_features 10 → 3)"
    note = "The network follows the data: layer 2 Linear in_features 64 → 4, layer 4 Linear out_features 10 → 3 (Ctrl+Z undoes it)"
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == note, timeout=3000)
    panel = window.architecture_panel  # built after the change: the window adapted the network without it
    window.tabs.setCurrentWidget(panel)
    assert settings(panel)[1] == "4 → 128" and settings(panel)[3] == "128 → 3"
    assert rows(panel)[3].text(COL_SHAPE) == "3"
    assert not panel.error_frame.isVisible()
    shoot(window, "follows_data")

    panel.stack.setFocus()
    qtbot.keyClick(panel.stack, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert settings(panel)[1] == "64 → 128" and settings(panel)[3] == "128 → 10"
    assert window.document.project.architecture.layers[3].params["out_features"] == 10
    assert [i.kind for i in window.document.project.architecture.layers] == ["flatten", "linear", "relu", "linear"]


def test_pinned_layer_keeps_its_size_and_the_error_shows(qtbot, main_window):
    window = main_window
    panel = window.architecture_panel
    window.tabs.setCurrentWidget(panel)
    last = rows(panel)[3]
    qtbot.mouseClick(panel.stack.viewport(), Qt.MouseButton.LeftButton, pos=panel.stack.visualItemRect(last).center())
    assert panel.pin_check.isVisible() and not panel.pin_check.isChecked()
    assert panel.pin_action in panel.stack.actions()  # the row's right-click menu offers it too
    qtbot.mouseClick(panel.pin_check, Qt.MouseButton.LeftButton)
    assert window.document.project.architecture.layers[3].pinned
    pinned_row = rows(panel)[3]
    assert not pinned_row.icon(COL_KIND).isNull() and rows(panel)[1].icon(COL_KIND).isNull()
    assert pinned_row.toolTip(COL_INDEX).startswith("Pinned: its sizes stay as you set them")
    assert panel.pin_action.text() == "Unpin sizes"

    pick_dataset(qtbot, window, "iris")
    window.tabs.setCurrentWidget(panel)
    assert settings(panel)[1] == "4 → 128"  # the unpinned first layer still follows
    assert settings(panel)[3] == "128 → 10"  # the pinned one keeps its size
    note = ("The network follows the data: layer 2 Linear in_features 64 → 4 (Ctrl+Z undoes it); Layer 4 Linear is "
            "pinned with out_features 10 but the data needs 3: unpin it (right-click the layer, Unpin sizes) or set "
            "out_features to 3 yourself")
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == note, timeout=3000)
    shown = panel.input_label.text()  # the mismatch, and the pin that is why it stays
    assert "The network ends with 10 outputs but the data needs 3.<" in shown  # not "press Fit to data": it cannot
    assert "Layer 4 Linear is pinned with out_features 10 but the data needs 3: unpin it" in shown
    shoot(window, "pinned_layer")
