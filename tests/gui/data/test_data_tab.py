"""The Data tab: editing the preprocessing steps, the split and batch size, the previews, and drawing data."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QLabel

from nnstudio.core.data.spec import DataSpec, StepSpec


@pytest.fixture
def data_tab(main_window, qtbot):
    window = main_window
    window.tabs.setCurrentWidget(window.data_panel)
    panel = window.data_panel
    wait_idle(qtbot, panel)
    yield window, panel
    panel.shutdown()


def wait_idle(qtbot, panel) -> None:
    qtbot.waitUntil(lambda: not panel.loader.running and panel._preview_current(), timeout=60_000)


@pytest.fixture
def errors(monkeypatch):
    shown: list[str] = []
    monkeypatch.setattr("nnstudio.gui.panels.data.panel.show_error", lambda parent, title, error: shown.append(str(error)))
    return shown


def step_rows(panel) -> list[list[str]]:
    t = panel.pipeline.table
    return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]


def architecture_input(window) -> str:
    return window.architecture_panel.findChild(QLabel, "inputShapeLabel").text()


def architecture_error(window) -> str:
    label = window.architecture_panel.findChild(QLabel, "shapeErrorLabel")
    return label.text() if label.isVisibleTo(window.architecture_panel) else ""


def use(qtbot, panel, spec: DataSpec) -> None:
    panel.apply_spec(spec)
    wait_idle(qtbot, panel)


def test_add_configure_reorder_remove_steps(data_tab, qtbot):
    window, panel = data_tab
    plain = window.document.project.data.copy()
    plain.preprocessing = []  # the default project standardizes; this test starts from no steps
    use(qtbot, panel, plain)
    assert window.document.bundle().input_shape == (1, 8, 8)
    panel.pipeline.add_actions["image_resize"].trigger()
    wait_idle(qtbot, panel)
    rows = step_rows(panel)
    assert len(rows) == 1 and rows[0][1].startswith("Resize images") and rows[0][2] == "1x8x8 → 1x28x28"
    assert window.document.bundle().input_shape == (1, 28, 28)
    assert "1x28x28" in architecture_input(window)  # the Architecture tab re-checked its shapes
    # ... and the first Linear followed the data instead of being left stranded
    assert window.document.project.architecture.layers[1].params["in_features"] == 784
    assert architecture_error(window) == ""

    # Configure: the generated form edits the selected step.
    panel.pipeline.select(0)
    height = panel.pipeline.form.editors["height"]
    height.setValue(10)
    wait_idle(qtbot, panel)
    assert step_rows(panel)[0][2] == "1x8x8 → 1x10x28"
    assert window.document.project.data.preprocessing[0].params["height"] == 10

    panel.pipeline.add_actions["image_scale"].trigger()
    wait_idle(qtbot, panel)
    assert [r[1].split("\n")[0] for r in step_rows(panel)] == ["Resize images", "Scale pixels to [0, 1]"]
    panel.pipeline.select(1)
    qtbot.mouseClick(panel.pipeline.up_button, Qt.MouseButton.LeftButton)
    wait_idle(qtbot, panel)
    assert [s.kind for s in window.document.project.data.preprocessing] == ["image_scale", "image_resize"]
    assert panel.pipeline.selected_row() == 0  # the moved step stays selected

    panel.pipeline.select(1)
    panel.pipeline.table.setFocus()
    qtbot.keyClick(panel.pipeline.table, Qt.Key.Key_Delete)
    wait_idle(qtbot, panel)
    assert [s.kind for s in window.document.project.data.preprocessing] == ["image_scale"]
    assert window.document.bundle().input_shape == (1, 8, 8)
    assert "1x8x8" in architecture_input(window)
    assert architecture_error(window) == ""
    assert window.document.project.architecture.layers[1].params["in_features"] == 64  # and back again


def test_a_step_that_cannot_fit_is_refused_and_the_old_data_stays(data_tab, qtbot, errors):
    window, panel = data_tab
    before = window.document.project.data.to_dict()
    rows_before = step_rows(panel)  # the default project's own steps (it standardizes)
    panel.pipeline.add_actions["construct"].trigger()  # a table step on images
    wait_idle(qtbot, panel)
    assert errors and "tables of features" in errors[0]
    assert window.document.project.data.to_dict() == before
    assert step_rows(panel) == rows_before


def test_shapes_and_feature_names_flow_from_tabular_steps(data_tab, qtbot):
    window, panel = data_tab
    use(qtbot, panel, DataSpec("iris", preprocessing=[StepSpec("standardize"), StepSpec("construct", {"products": False})]))
    assert [r[2] for r in step_rows(panel)] == ["4 → 4", "4 → 8"]
    assert window.document.bundle().feature_names[-1] == "petal width (cm)²"
    assert "→ the network receives 8" in panel.pipeline.summary.text()
    assert "8" in architecture_input(window)


def test_split_and_batch_size(data_tab, qtbot, errors):
    window, panel = data_tab
    panel.split.validation.setValue(0.3)
    wait_idle(qtbot, panel)
    bundle = window.document.bundle()
    assert window.document.project.data.split.validation == pytest.approx(0.3)
    assert f"{len(bundle.train)} training · {len(bundle.validation)} validation" in panel.split.counts.text()
    assert len(bundle.validation) == pytest.approx(0.3 * 1797, abs=2)

    panel.split.test.setValue(0.7)  # with 0.3 validation nothing is left to train on
    assert errors and "at least 10% for training" in errors[-1]
    assert panel.split.test.value() == pytest.approx(0.15)

    panel.split.batch.setValue(64)
    assert window.document.project.training.batch_size == 64


def test_previews_for_images_tables_and_class_balance(data_tab, qtbot):
    window, panel = data_tab
    preview = panel.preview
    assert preview.isTabVisible(preview.indexOf(preview.images_page))
    assert not preview.isTabVisible(preview.indexOf(preview.scatter_page))
    assert len(preview.image_grid.captions) == 32 and set(preview.image_grid.captions) <= {str(i) for i in range(10)}
    bundle = window.document.bundle()
    assert sum(preview.balance_counts["train"]) == len(bundle.train)
    assert sum(preview.balance_counts["test"]) == len(bundle.test)

    use(qtbot, panel, DataSpec("iris"))
    assert preview.isTabVisible(preview.indexOf(preview.table_page))
    stats = preview.stats_table
    assert stats.rowCount() == 4 and stats.item(0, 0).text() == "sepal length (cm)" and stats.item(0, 1).text() == "numeric"
    assert stats.item(0, 3).text().startswith("mean ")
    assert preview.rows_table.item(0, 4).text() in {"setosa", "versicolor", "virginica"}

    use(qtbot, panel, DataSpec("sine_forecast", {"n_samples": 60}))
    assert preview.isTabVisible(preview.indexOf(preview.sequence_plot))
    assert len(preview.sequence_plot.listDataItems()) == 6


def test_selecting_a_step_shows_before_and_after(data_tab, qtbot):
    window, panel = data_tab
    use(qtbot, panel, DataSpec("moons", preprocessing=[StepSpec("standardize"), StepSpec("construct", {"sines": True})]))
    rect = panel.pipeline.table.visualItemRect(panel.pipeline.table.item(1, 1))
    qtbot.mouseClick(panel.pipeline.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    preview = panel.preview
    assert preview.currentWidget() is preview.step_page
    assert "Step 2: Construct features" in preview.step_label.text() and "2 → 7" in preview.step_label.text()
    assert "shape 2" in preview.before.caption.text() and "shape 7" in preview.after.caption.text()
    assert preview.after.scatter.plotItem.getAxis("bottom").labelText == "x1²"  # a new column is shown


def scene_point(canvas, x: float, y: float) -> QPoint:
    return canvas.mapFromScene(canvas.plotItem.vb.mapViewToScene(QPointF(x, y)))


def drag(qtbot, canvas, points: list[QPoint]) -> None:
    viewport = canvas.viewport()

    def send(kind, pos, buttons):
        button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
        event = QMouseEvent(kind, QPointF(pos), QPointF(viewport.mapToGlobal(pos)), button, buttons, Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(viewport, event)

    # pyqtgraph drops mouse moves that come faster than its rate limit (100 a second): lift it for the stroke
    # rather than pace the moves by the clock.
    rate_limit = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOption("mouseRateLimit", 0)
    try:
        send(QEvent.Type.MouseButtonPress, points[0], Qt.MouseButton.LeftButton)
        for p in points[1:]:
            send(QEvent.Type.MouseMove, p, Qt.MouseButton.LeftButton)
        send(QEvent.Type.MouseButtonRelease, points[-1], Qt.MouseButton.NoButton)
    finally:
        pg.setConfigOption("mouseRateLimit", rate_limit)


def test_drawing_a_dataset_by_hand(data_tab, qtbot):
    window, panel = data_tab
    use(qtbot, panel, DataSpec("moons", {"n_samples": 40}))
    preview = panel.preview
    preview.setCurrentWidget(preview.scatter_page)
    canvas = preview.canvas
    qtbot.mouseClick(preview.draw_button, Qt.MouseButton.LeftButton)
    assert canvas.drawing
    qtbot.mouseClick(preview.clear_button, Qt.MouseButton.LeftButton)
    canvas.plotItem.vb.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0)
    preview.class_combo.setCurrentIndex(0)
    left = [(-0.6 + 0.1 * i, 0.5) for i in range(6)]
    right = [(0.1 + 0.1 * i, -0.5) for i in range(6)]
    for x, y in left:
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=scene_point(canvas, x, y))
    assert "6 points in 1 class" in preview.draw_hint.text()
    preview.class_combo.setCurrentIndex(1)
    for x, y in right:
        qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=scene_point(canvas, x, y))
    xy, labels = canvas.points()
    assert len(xy) == 12 and labels.tolist() == [0] * 6 + [1] * 6
    assert np.allclose(xy[0], left[0], atol=0.02)
    qtbot.waitUntil(lambda: window.document.project.data.source == "drawn", timeout=60_000)
    wait_idle(qtbot, panel)
    bundle = window.document.bundle()
    assert bundle.input_shape == (2,) and bundle.class_names == ["class A", "class B"]
    assert len(bundle.train) + len(bundle.validation) + len(bundle.test) == 12

    # Drag across two of the right-hand points: they are erased and the dataset follows.
    from nnstudio.gui.widgets.draw_2d import ERASE_RADIUS_PX

    assert 0.1 / canvas.plotItem.vb.viewPixelSize()[0] > ERASE_RADIUS_PX + 2  # neighbours lie outside the eraser
    drag(qtbot, canvas, [scene_point(canvas, x, -0.5) for x in np.linspace(0.1, 0.2, 8)])
    xy, labels = canvas.points()
    assert len(xy) == 10 and labels.tolist().count(1) == 4
    qtbot.waitUntil(lambda: window.document.project.data.params["points"].count(";") == 9, timeout=60_000)
    wait_idle(qtbot, panel)

    qtbot.mouseClick(preview.draw_button, Qt.MouseButton.LeftButton)
    assert not canvas.drawing
    assert len(canvas.points()[0]) == 10  # the scatter now shows the drawn dataset itself


def test_a_dataset_drawn_in_the_tab_trains(data_tab, qtbot):
    from nnstudio.core.arch.spec import ArchitectureSpec, layer
    from nnstudio.core.training.config import TrainSpec
    from nnstudio.core.training.engine import Trainer

    window, panel = data_tab
    use(qtbot, panel, DataSpec("moons", {"n_samples": 40}))
    preview = panel.preview
    preview.setCurrentWidget(preview.scatter_page)
    canvas = preview.canvas
    qtbot.mouseClick(preview.draw_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(preview.clear_button, Qt.MouseButton.LeftButton)
    canvas.plotItem.vb.setRange(xRange=(-1, 1), yRange=(-1, 1), padding=0)
    rng = np.random.default_rng(0)
    for cls, centre in ((0, (-0.5, 0.4)), (1, (0.5, -0.4))):
        preview.class_combo.setCurrentIndex(cls)
        for dx, dy in rng.uniform(-0.25, 0.25, (15, 2)):
            qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=scene_point(canvas, centre[0] + dx, centre[1] + dy))
    assert len(canvas.points()[0]) == 30, preview.draw_hint.text()
    qtbot.waitUntil(lambda: window.document.project.data.params.get("points", "").count(";") == 29, timeout=60_000)
    wait_idle(qtbot, panel)
    window.document.set_architecture(ArchitectureSpec([layer("linear", in_features=2, out_features=8), layer("relu"), layer("linear", in_features=8, out_features=2)]))
    built = window.document.built()  # the Architecture tab's view of it: the shapes fit
    result = Trainer(built.module, window.document.bundle(), TrainSpec(lr=0.05, batch_size=8, epochs=15)).fit()
    assert result.last("train_accuracy") == 1.0
