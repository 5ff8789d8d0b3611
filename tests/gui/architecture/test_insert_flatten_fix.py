"""Architecture tab: Linear placed after Conv2d without Flatten is caught on that Linear and fixed in one click."""

from __future__ import annotations

from PySide6.QtCore import Qt

from nnstudio.core.arch.spec import ArchitectureSpec
from nnstudio.gui.panels.architecture.stack import COL_KIND, COL_SHAPE

MESSAGE = (
    "Layer 2 (Linear) receives 8x6x6, a multi-dimensional input, and acts only on its last dimension, so the "
    "network ends with 8x6x10 values per example where this classification task needs 10 outputs (one per class); "
    "insert Flatten before layer 2"
)


def kinds(panel):
    tree = panel.stack
    return [tree.topLevelItem(i).text(COL_KIND) for i in range(tree.topLevelItemCount())]


def add_from_palette(qtbot, panel, kind):
    item = panel.palette.item_for(kind)
    panel.palette.scrollToItem(item)
    centre = panel.palette.visualItemRect(item).center()
    # Qt's view only treats a double-click on the row it saw pressed, as a real mouse does it.
    qtbot.mouseClick(panel.palette.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    qtbot.mouseDClick(panel.palette.viewport(), Qt.MouseButton.LeftButton, pos=centre)


def test_linear_after_conv_is_flagged_and_insert_flatten_fixes_it_undoably(qtbot, main_window):
    window = main_window
    panel = window.architecture_panel
    window.tabs.setCurrentWidget(panel)
    window.document.set_architecture(ArchitectureSpec([], name="Mine"))  # an empty network on the 8x8 digits
    stack = window.ctx.undo_stack
    stack.clear()

    add_from_palette(qtbot, panel, "conv2d")
    add_from_palette(qtbot, panel, "linear")
    assert kinds(panel) == ["Conv2d", "Linear"]  # offered, never applied by itself

    # The error is on the Linear, in words, with the shape it gives; Train says why it is off.
    assert panel.error_frame.isVisible()
    assert MESSAGE in panel.error_label.text()
    linear_row = panel.stack.topLevelItem(1)
    assert linear_row.text(COL_SHAPE) == "8x6x10 · does not fit"
    assert "insert Flatten before layer 2" in linear_row.toolTip(COL_SHAPE)
    train = window.training_panel.train_button
    assert not train.isEnabled() and "insert Flatten before layer 2" in train.toolTip()
    assert panel.fix_button.isVisible() and panel.fix_button.text() == "Insert Flatten"

    qtbot.mouseClick(panel.fix_button, Qt.MouseButton.LeftButton)
    assert kinds(panel) == ["Conv2d", "Flatten", "Linear"]
    assert not panel.error_frame.isVisible()
    assert panel.stack.topLevelItem(2).text(COL_SHAPE) == "10"
    assert train.isEnabled()
    assert stack.count() == 3 and stack.text(2) == "Insert Flatten before layer 2"  # one undo step

    window.undo_action.trigger()
    assert kinds(panel) == ["Conv2d", "Linear"]
    assert panel.error_frame.isVisible() and MESSAGE in panel.error_label.text()
    window.redo_action.trigger()
    assert kinds(panel) == ["Conv2d", "Flatten", "Linear"] and not panel.error_frame.isVisible()
