"""Layout fixes: every control of a pane in view, each view opening on the picture that fits
the data, text in the diagram laid out with the font's metrics, and controls that would do nothing hidden."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QGraphicsPathItem, QGraphicsTextItem, QLabel, QLineEdit, QScrollArea

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.base.errors import ShapeError
from nnstudio.core.data.drawn import STARTER_POINTS
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.project.spec import Project

LONG_NAMES = ["average_hours_studied_per_week", "hours_slept_the_night_before", "attended_lectures_regularly"]


def _replace(window, data: DataSpec, layers=None) -> None:
    layers = layers or [layer("linear", out_features=8), layer("relu"), layer("linear", out_features=3)]
    window.document.replace(Project(name="t", architecture=ArchitectureSpec(layers), data=data))


def _apply_data(qtbot, window, spec: DataSpec) -> None:
    panel = window.data_panel
    window.tabs.setCurrentWidget(panel)
    panel.apply_spec(spec)
    qtbot.waitUntil(lambda: window.document.project.data.source == spec.source and not panel.loader.running, timeout=30_000)
    qtbot.waitUntil(lambda: panel.preview.prepared is not None and panel.preview.prepared.raw.meta is not None, timeout=30_000)


def _right_edge_in(widget, viewport) -> int:
    return widget.mapTo(viewport, QPoint(widget.width(), 0)).x()


# ---------------------------------------------------------------------------------------------- Interpretability
def test_method_pane_keeps_the_layer_combo_and_help_inside_its_scroll_area(qtbot, main_window):
    """Grad-CAM on the Small CNN: the layer combo's long title widened the pane past its (vertical-only) scroll
    area at 1600x1000, so the combo and the help text were cut at the right with no way to scroll to them."""
    main_window.resize(1600, 1000)
    main_window.new_from_template("small_cnn")
    panel = main_window.interpret_panel
    main_window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.isVisible() and not panel.watch.stale, timeout=60_000)
    panel.method_form.set_method("gradcam")
    qtbot.wait(300)  # the new form's layout settles
    scroll = panel.method_form.parent()
    while not isinstance(scroll, QScrollArea):
        scroll = scroll.parent()
    viewport = scroll.viewport()
    combo = panel.method_form.editors["layer"]
    assert "Last conv layer" in combo.currentText()
    assert scroll.widget().width() <= viewport.width()
    for widget in (combo, panel.method_form.combo, panel.method_form.help, panel.target_combo):
        assert widget.isVisible() and _right_edge_in(widget, viewport) <= viewport.width(), widget.objectName()


def test_colours_and_opacity_only_where_there_is_a_heatmap(qtbot, main_window):
    panel = main_window.interpret_panel
    main_window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.isVisible() and not panel.watch.stale, timeout=60_000)
    assert panel.overlay_controls.isVisible(), "digit images get a heatmap: its colours and opacity are shown"
    _replace(main_window, DataSpec("iris"))
    qtbot.waitUntil(lambda: not panel.watch.stale, timeout=60_000)
    assert panel.subject is not None and panel.subject.layout == "features"
    assert not panel.overlay_controls.isVisible(), "iris is explained with bars: Colours/Opacity would do nothing"


# ---------------------------------------------------------------------------------------------- Evaluation
def test_predicted_vs_actual_only_for_regression(qtbot, main_window):
    panel = main_window.evaluation_panel
    main_window.tabs.setCurrentWidget(panel)
    pages = panel.pages
    assert not pages.isTabVisible(panel.regression_index), "digits are classes: no 'Predicted vs actual' page"
    assert pages.isTabVisible(panel.confusion_index)
    _replace(main_window, DataSpec("diabetes"), [layer("linear", out_features=8), layer("relu"), layer("linear", out_features=1)])
    qtbot.waitUntil(lambda: pages.isTabVisible(panel.regression_index), timeout=20_000)
    assert not pages.isTabVisible(panel.confusion_index) and not pages.isTabVisible(panel.curves_index)


# ---------------------------------------------------------------------------------------------- Data tab
def test_data_preview_opens_on_the_scatter_for_a_2d_toy(qtbot, main_window):
    preview = main_window.data_panel.preview
    main_window.tabs.setCurrentWidget(main_window.data_panel)
    qtbot.waitUntil(lambda: preview.prepared is not None, timeout=30_000)
    assert preview.currentWidget() is preview.images_page  # digits: the images
    _apply_data(qtbot, main_window, DataSpec("moons"))
    qtbot.waitUntil(lambda: preview.isTabVisible(preview.indexOf(preview.scatter_page)), timeout=30_000)
    assert preview.tabText(preview.currentIndex()) == "Scatter"


def test_a_drawing_shows_a_summary_not_its_raw_points(qtbot, main_window):
    source = main_window.data_panel.source
    source.source_combo.setCurrentIndex(source.source_combo.findData("drawn"))
    note = source.editors.get("points") or source.findChild(QLabel, "param_points")
    assert isinstance(note, QLabel) and not isinstance(note, QLineEdit)
    assert note.text() == "24 points in 2 classes — edit them on the canvas"
    assert not any(";" in line.text() for line in source.findChildren(QLineEdit))
    assert source.values()["points"] == STARTER_POINTS  # passed through to the dataset unchanged


def test_csv_column_names_are_whole_in_the_preview_tables(qtbot, main_window, tmp_path):
    csv = tmp_path / "long.csv"
    csv.write_text(",".join([*LONG_NAMES, "result"]) + "\n"
                   + "".join(f"{i % 7},{i % 5},{i % 3},{['pass', 'fail'][i % 2]}\n" for i in range(60)), encoding="utf-8")
    _apply_data(qtbot, main_window, DataSpec("csv", {"path": str(csv), "target": "result", "task": "classification"}))
    preview = main_window.data_panel.preview
    preview.setCurrentWidget(preview.table_page)
    qtbot.waitUntil(lambda: preview.rows_table.columnCount() == 4, timeout=10_000)
    table = preview.rows_table
    metrics = table.horizontalHeader().fontMetrics()
    for c, name in enumerate(LONG_NAMES):
        item = table.horizontalHeaderItem(c)
        assert item.text() == name and item.toolTip() == name
        assert table.horizontalHeader().sectionSize(c) >= metrics.horizontalAdvance(name)
    features = main_window.data_panel.source.editors["features"]
    assert [features.item(i).toolTip().split("  ")[0] for i in range(features.count())] == LONG_NAMES


# ---------------------------------------------------------------------------------------------- diagram
def _texts(diagram) -> dict[str, QGraphicsTextItem]:
    return {item.toPlainText(): item for item in diagram.scene().items() if isinstance(item, QGraphicsTextItem)}


def _boxes(diagram) -> list:
    """The outlines of the boxes (filled paths; the skip arrows are unfilled), top to bottom."""
    rects = [item.sceneBoundingRect() for item in diagram.scene().items()
             if isinstance(item, QGraphicsPathItem) and item.brush().style() != Qt.BrushStyle.NoBrush]
    return sorted(rects, key=lambda r: r.top())


def _glyph_rect(item: QGraphicsTextItem):
    margin = item.document().documentMargin()
    return item.sceneBoundingRect().adjusted(margin, margin, -margin, -margin)


@pytest.fixture
def diagram(qtbot, main_window):
    main_window.resize(1600, 1000)
    main_window.new_from_template("tiny_transformer")
    panel = main_window.architecture_panel
    main_window.tabs.setCurrentWidget(panel)
    panel.views.setCurrentWidget(panel.diagram)
    qtbot.waitUntil(lambda: any("Transformer encoder" in t for t in panel.diagram.box_texts), timeout=20_000)
    return panel.diagram


def test_diagram_uses_the_width_of_its_pane(qtbot, diagram):
    qtbot.waitUntil(lambda: diagram.viewport().width() > 800, timeout=5000)
    assert _boxes(diagram)[0].width() >= 0.5 * diagram.viewport().width()


def test_a_wrapped_box_title_sits_above_its_shape_line(qtbot, diagram):
    diagram.setFixedWidth(300)  # a narrow pane: the boxes are at their smallest and the Transformer title wraps
    qtbot.waitUntil(lambda: _boxes(diagram)[0].width() <= 262, timeout=5000)
    texts = _texts(diagram)
    title = next(item for text, item in texts.items() if "Transformer encoder" in text)
    detail = texts["→ 8x32   (8,544 params)"]
    assert _glyph_rect(title).height() > 1.5 * _glyph_rect(detail).height(), "the title wraps onto two lines"
    assert _glyph_rect(title).bottom() <= _glyph_rect(detail).top()
    box = next(r for r in _boxes(diagram) if r.contains(_glyph_rect(title).center()))
    assert box.contains(_glyph_rect(detail))


def test_an_error_box_holds_its_whole_message_above_the_next_arrow(qtbot, diagram):
    problem = ("expects 64 input features but receives 1x8x8: the input is still an image; insert Flatten before it "
               "so that it sees one long vector")
    spec = diagram.parent()
    while not hasattr(spec, "spec"):
        spec = spec.parent()
    layers = spec.spec.layers
    diagram.show_network((1, 8, 8), layers, [], ShapeError("2", "Linear", (1, 8, 8), problem))
    detail = _texts(diagram)["does not fit: " + problem]  # whole, no "…" after 60 characters
    rect = _glyph_rect(detail)
    box = next(r for r in _boxes(diagram) if r.contains(rect.center()))
    assert box.contains(rect)
    following = [r for r in _boxes(diagram) if r.top() > box.top()]
    assert following and min(r.top() for r in following) > box.bottom()
