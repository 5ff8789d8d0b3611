"""The network diagram on the Architecture tab, after edits made with the mouse and keyboard: every box it
draws says the layer's index, title, output shape and parameter count exactly as the builder computes them,
a misfit is drawn red with the builder's reason, and undo brings the fitting boxes back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsTextItem

from nnstudio.core.arch.builder import build, build_partial
from nnstudio.core.base.errors import format_shape
from nnstudio.gui.widgets.network_diagram import ERROR_FILL


@pytest.fixture
def panel(main_window, qtbot):
    main_window.tabs.setCurrentWidget(main_window.architecture_panel)
    panel = main_window.architecture_panel
    bar = panel.views.tabBar()
    index = panel.views.indexOf(panel.diagram)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert panel.views.currentWidget() is panel.diagram
    return panel


def drawn_texts(diagram) -> list[str]:
    """The text the scene paints, top to bottom (what a student reads), not the widget's own bookkeeping."""
    items = [i for i in diagram.scene().items() if isinstance(i, QGraphicsTextItem)]
    items.sort(key=lambda i: (round(i.scenePos().y()), i.scenePos().x()))
    return [i.toPlainText() for i in items]


def expected_boxes(window) -> list[str]:
    doc = window.document
    shape = doc.bundle().input_shape
    built = build(doc.project.architecture, shape)
    texts = ["Input", format_shape(shape)]
    for info in built.layers:
        texts += [f"{info.index}  {info.title}" + (f"  ·  {info.summary}" if info.summary else ""),
                  f"→ {format_shape(info.out_shape)}   ({info.params:,} params)"]
    return [*texts, "Output", format_shape(built.output_shape)]


def click_row(qtbot, panel, row: int) -> None:
    item = panel.stack.topLevelItem(row)
    panel.stack.scrollToItem(item)
    qtbot.mouseClick(panel.stack.viewport(), Qt.MouseButton.LeftButton, pos=panel.stack.visualItemRect(item).center())


def double_click_palette(qtbot, panel, kind: str) -> None:
    item = panel.palette.item_for(kind)
    panel.palette.scrollToItem(item)
    rect = panel.palette.visualItemRect(item)
    qtbot.mouseClick(panel.palette.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.palette.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def error_boxes(diagram) -> int:
    return sum(isinstance(i, QGraphicsPathItem) and i.brush().color().name() == ERROR_FILL for i in diagram.scene().items())


def test_boxes_say_what_the_builder_computes_after_each_edit(qtbot, main_window, panel):
    diagram = panel.diagram
    assert drawn_texts(diagram) == expected_boxes(main_window)
    assert drawn_texts(diagram)[-2:] == ["Output", "10"]

    # Two layers added by double-clicking the palette, below the selected ReLU.
    click_row(qtbot, panel, 2)
    double_click_palette(qtbot, panel, "dropout")
    double_click_palette(qtbot, panel, "batchnorm")
    assert [l.kind for l in main_window.document.project.architecture.layers] == ["flatten", "linear", "relu", "dropout", "batchnorm", "linear"]
    assert drawn_texts(diagram) == expected_boxes(main_window)
    assert "→ 128   (256 params)" in drawn_texts(diagram)  # batch norm on 128 features: a scale and a shift each
    assert error_boxes(diagram) == 0

    # Three arrow presses on the first Linear's width: the last Linear (128 inputs) no longer fits.
    click_row(qtbot, panel, 1)
    spin = panel.form.editors["out_features"]
    qtbot.mouseClick(spin, Qt.MouseButton.LeftButton)
    for _ in range(3):
        qtbot.keyClick(spin, Qt.Key.Key_Up)
    spec = main_window.document.project.architecture
    _built, infos, error = build_partial(spec, main_window.document.bundle().input_shape)
    assert error is not None and error.index == "6"
    texts = drawn_texts(diagram)
    assert "→ 131   (8,515 params)" in texts  # 64*131 + 131
    assert f"does not fit: {error.problem}" in texts  # the whole sentence: the box grows to hold it
    assert texts[-2:] == ["Output", "—"]
    assert error_boxes(diagram) == 1

    main_window.undo_action.trigger()
    assert drawn_texts(diagram) == expected_boxes(main_window)
    assert error_boxes(diagram) == 0
