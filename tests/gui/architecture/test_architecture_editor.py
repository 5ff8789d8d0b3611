"""The Architecture tab: palette, stack editing, live shapes and counts, form, undo/redo, errors, Train."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QCheckBox, QSpinBox

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.gui.panels.architecture.palette import MIME_KIND
from nnstudio.gui.panels.architecture.stack import COL_KIND, COL_PARAMS, COL_SHAPE, MIME_PATH


@pytest.fixture
def panel(main_window):
    main_window.tabs.setCurrentWidget(main_window.architecture_panel)
    return main_window.architecture_panel


def rows(panel):
    tree = panel.stack
    return [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]


def kinds(panel):
    return [item.text(COL_KIND) for item in rows(panel)]


def double_click_palette(qtbot, panel, kind):
    item = panel.palette.item_for(kind)
    panel.palette.scrollToItem(item)
    rect = panel.palette.visualItemRect(item)
    # Qt's view only treats a double-click on the row it saw pressed, as a real mouse does it.
    qtbot.mouseClick(panel.palette.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.palette.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def click_row(qtbot, panel, item):
    panel.stack.scrollToItem(item)
    rect = panel.stack.visualItemRect(item)
    qtbot.mouseClick(panel.stack.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def drop(panel, mime_format, payload, item, where="above"):
    rect = panel.stack.visualItemRect(item)
    y = rect.top() + 1 if where == "above" else rect.bottom() - 1 if where == "below" else rect.center().y()
    data = QMimeData()
    data.setData(mime_format, payload.encode())
    event = QDropEvent(QPointF(rect.center().x(), y), Qt.DropAction.CopyAction | Qt.DropAction.MoveAction, data,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    # Qt only routes a drop through the application during a real drag, so hand it to the view's handler.
    panel.stack.dropEvent(event)
    assert event.dropAction() == Qt.DropAction.CopyAction  # never Move: Qt would delete the dragged row itself


def test_palette_groups_every_issue_kind(panel):
    groups = {}
    for i in range(panel.palette.topLevelItemCount()):
        g = panel.palette.topLevelItem(i)
        groups[g.text(0)] = [g.child(j).text(0) for j in range(g.childCount())]
    assert list(groups)[:7] == ["Core", "Convolution", "Normalization", "Activations", "Sequence", "Attention", "Structure"]
    assert {"Linear", "Flatten", "Reshape", "Dropout"} <= set(groups["Core"])
    assert "GlobalAvgPool" in groups["Convolution"]
    assert {"Embedding", "RNN", "LSTM", "GRU"} <= set(groups["Sequence"])
    assert {"Self-attention", "Transformer encoder", "Positional encoding"} <= set(groups["Attention"])
    assert groups["Structure"] == ["Residual block", "ResNet basic block"]


def test_double_click_adds_below_selection_with_live_shapes_and_totals(qtbot, panel):
    assert kinds(panel) == ["Flatten", "Linear", "ReLU", "Linear"]
    click_row(qtbot, panel, rows(panel)[2])  # ReLU
    double_click_palette(qtbot, panel, "dropout")
    assert kinds(panel) == ["Flatten", "Linear", "ReLU", "Dropout", "Linear"]
    assert panel.stack.selected_path() == (3,)
    assert rows(panel)[3].text(COL_SHAPE) == "128"
    before = panel.totals.text()
    double_click_palette(qtbot, panel, "linear")  # Linear auto -> 10 after the dropout
    assert kinds(panel)[4] == "Linear"
    assert rows(panel)[4].text(COL_SHAPE) == "10"
    assert rows(panel)[4].text(COL_PARAMS) == "1,290"  # 128*10 + 10
    # The old last Linear (128 in) now receives 10 features: the first misfit is marked.
    assert "Layer 6 (Linear)" in panel.error_label.text()
    assert panel.error_frame.isVisible()
    assert rows(panel)[5].background(COL_SHAPE).color().name() == "#ffd7d7"
    assert before != panel.totals.text()


def test_property_form_edits_param_and_undo_redo_merge(qtbot, panel, main_window):
    click_row(qtbot, panel, rows(panel)[1])  # Linear 64 -> 128
    spin = panel.form.editors["out_features"]
    assert isinstance(spin, QSpinBox)
    assert spin.minimum() == 1 and spin.maximum() == 1_000_000
    qtbot.mouseClick(spin, Qt.MouseButton.LeftButton)
    for _ in range(3):  # three arrow steps: one undo step
        qtbot.keyClick(spin, Qt.Key.Key_Up)
    assert rows(panel)[1].text(COL_SHAPE) == "131"
    # The next Linear was set to 128 inputs: it is now the first misfit, and Train is disabled with the reason.
    assert "Layer 4 (Linear)" in panel.error_label.text()
    train = main_window.training_panel.train_button
    assert not train.isEnabled()
    assert "Layer 4 (Linear)" in train.toolTip()
    stack = main_window.ctx.undo_stack
    assert stack.count() == 1
    assert "out features" in stack.text(0).lower()
    main_window.undo_action.trigger()
    assert rows(panel)[1].text(COL_SHAPE) == "128"
    assert train.isEnabled()
    assert panel.form.editors["out_features"].value() == 128
    main_window.redo_action.trigger()
    assert rows(panel)[1].text(COL_SHAPE) == "131"
    # One click applies the suggested fix, as its own undo step.
    assert panel.fix_button.isVisible()
    qtbot.mouseClick(panel.fix_button, Qt.MouseButton.LeftButton)
    assert not panel.error_frame.isVisible()
    assert train.isEnabled()
    assert stack.count() == 2


def test_checkbox_param_and_keyboard_shortcuts(qtbot, panel):
    click_row(qtbot, panel, rows(panel)[1])
    box = panel.form.editors["bias"]
    assert isinstance(box, QCheckBox)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))  # on the tick box
    assert rows(panel)[1].text(COL_PARAMS) == "8,192"
    panel.stack.setFocus()
    click_row(qtbot, panel, rows(panel)[2])  # ReLU
    qtbot.keyClick(panel.stack, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert kinds(panel) == ["Flatten", "Linear", "ReLU", "ReLU", "Linear"]
    qtbot.keyClick(panel.stack, Qt.Key.Key_Delete)
    assert kinds(panel) == ["Flatten", "Linear", "ReLU", "Linear"]
    click_row(qtbot, panel, rows(panel)[2])
    qtbot.keyClick(panel.stack, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert kinds(panel) == ["Flatten", "ReLU", "Linear", "Linear"]
    assert panel.stack.selected_path() == (1,)
    qtbot.keyClick(panel.stack, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert kinds(panel) == ["Flatten", "Linear", "ReLU", "Linear"]


def test_drag_to_reorder_and_drag_from_palette(qtbot, panel, main_window):
    items = rows(panel)
    drop(panel, MIME_PATH, "2", items[1], "above")  # ReLU above the first Linear
    assert kinds(panel) == ["Flatten", "ReLU", "Linear", "Linear"]
    drop(panel, MIME_PATH, "1", rows(panel)[3], "below")  # ReLU to the very end
    assert kinds(panel) == ["Flatten", "Linear", "Linear", "ReLU"]
    drop(panel, MIME_KIND, "batchnorm", rows(panel)[2], "above")
    assert kinds(panel) == ["Flatten", "Linear", "BatchNorm", "Linear", "ReLU"]
    assert rows(panel)[2].text(COL_PARAMS) == "256"
    assert main_window.ctx.undo_stack.count() == 3
    for _ in range(3):
        main_window.undo_action.trigger()
    assert kinds(panel) == ["Flatten", "Linear", "ReLU", "Linear"]


def test_residual_block_edits_inside_and_shows_nested_rows(qtbot, panel, main_window):
    click_row(qtbot, panel, rows(panel)[2])  # ReLU
    double_click_palette(qtbot, panel, "residual")
    assert panel.stack.selected_path() == (3,)
    double_click_palette(qtbot, panel, "linear")  # inside the block
    block = rows(panel)[3]
    assert block.childCount() == 1
    spin = panel.form.editors["out_features"]
    spin.setValue(128)
    block = rows(panel)[3]  # every edit redraws the rows
    assert block.child(0).text(COL_SHAPE) == "128"
    assert block.text(COL_PARAMS) == f"{128 * 128 + 128:,}"
    assert not panel.error_frame.isVisible()
    # Drag a palette ReLU into the block's middle: it lands inside, at the end.
    drop(panel, MIME_KIND, "relu", rows(panel)[3], "middle")
    assert [rows(panel)[3].child(i).text(COL_KIND) for i in range(2)] == ["Linear", "ReLU"]
    main_window.undo_action.trigger()
    assert rows(panel)[3].childCount() == 1


def test_fit_to_data_sets_first_inputs_and_last_outputs(qtbot, panel, main_window):
    spec = ArchitectureSpec([layer("flatten"), layer("linear", in_features=784, out_features=128), layer("relu"),
                             layer("linear", in_features=128, out_features=47)], name="SimpleNN")
    panel.replace_architecture(spec, "Load SimpleNN")
    assert "Layer 2 (Linear)" in panel.error_label.text()
    assert "47 outputs" not in panel.input_label.text()  # not built yet: the error comes first
    assert panel.fit_button.isEnabled()
    qtbot.mouseClick(panel.fit_button, Qt.MouseButton.LeftButton)
    assert not panel.error_frame.isVisible()
    assert rows(panel)[3].text(COL_SHAPE) == "10"
    assert main_window.training_panel.train_button.isEnabled()
    main_window.undo_action.trigger()
    assert rows(panel)[3].text(COL_SHAPE) == ""  # unreached again behind the misfit


def test_nothing_selected_appends_and_click_empty_area(qtbot, panel):
    panel.stack.clearSelection()
    double_click_palette(qtbot, panel, "softmax")
    assert kinds(panel)[-1] == "Softmax"
    pos = QPoint(10, panel.stack.viewport().height() - 5)
    assert panel.stack.drop_location(pos) == ((), 5)


def test_enter_on_palette_adds_and_drag_carries_the_kind(qtbot, panel):
    item = panel.palette.item_for("gelu")
    panel.palette.setCurrentItem(item)
    panel.palette.setFocus()
    qtbot.keyClick(panel.palette, Qt.Key.Key_Return)
    assert kinds(panel)[-1] == "GELU"
    data = panel.palette.mimeData([item])
    assert bytes(data.data(MIME_KIND)).decode() == "gelu"
    assert bytes(panel.stack.mimeData([rows(panel)[1]]).data(MIME_PATH)).decode() == "1"
