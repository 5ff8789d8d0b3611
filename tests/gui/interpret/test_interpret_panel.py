"""The Interpretability tab driven through its widgets: gallery click, overlay pixels, compare, grid,
examples sent from another tab, availability tooltips, Cancel, and never explaining during training."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.workspace.document import load_model
from nnstudio.gui.panels.interpret.views import COMPARE, GRID
from nnstudio.gui.widgets.heatmap_overlay import qimage_to_rgb


def _project(kind: str, trained: bool = True) -> Project:
    if kind == "cnn":
        layers = [layer("conv2d", out_channels=4, kernel_size=3, padding=1), layer("relu"), layer("flatten"), layer("linear", out_features=10)]
        data = DataSpec("digits")
    else:
        layers = [layer("linear", out_features=8), layer("relu"), layer("linear", out_features=3)]
        data = DataSpec("iris")
    project = Project(name=kind, architecture=ArchitectureSpec(layers), data=data, training=TrainSpec(epochs=1))
    if trained:  # seeded random weights: a valid network to explain, without spending time on training
        project.weights = snapshot_weights(load_model(project, load_weights=False).built.module)
    return project


def _open(window, qtbot, kind: str, trained: bool = True):
    window.document.replace(_project(kind, trained))
    panel = window.interpret_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.isVisible() and not panel.watch.stale, timeout=60_000)
    return panel


def _click_example(panel, qtbot, row: int) -> None:
    gallery = panel.gallery
    rect = gallery.visualItemRect(gallery.item(row))
    gallery.scrollToItem(gallery.item(row))
    qtbot.mouseClick(gallery.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


@pytest.fixture
def cnn_tab(main_window, qtbot):
    panel = _open(main_window, qtbot, "cnn")
    yield panel
    panel.shutdown()


def test_clicking_an_example_shows_an_overlay_that_differs_where_the_heatmap_is_high(cnn_tab, qtbot):
    panel = cnn_tab
    assert panel.gallery.count() > 10
    with qtbot.waitSignal(panel.runner.completed, timeout=60_000):
        _click_example(panel, qtbot, 2)  # Integrated Gradients is fast: it runs on the click
    assert "test example 2" in panel.example_label.text()
    view = panel.views.single
    assert panel.views.currentWidget() is view and view.title.text() == "Integrated Gradients"
    assert "convergence delta" in view.caption.text()

    def shown(label):  # what the QLabel paints: its scaled pixmap, as RGB
        return qimage_to_rgb(label.pixmap().toImage())

    original, overlay = shown(view.original), shown(view.overlay)
    assert original.shape == overlay.shape and original.shape[0] >= 100
    heat = np.abs(view.normalized_heat())
    cell = original.shape[0] / heat.shape[0]
    high = np.argwhere(heat >= 0.8)
    zero = np.argwhere(heat == 0)
    assert len(high) and len(zero)
    centre = lambda rc: (int((rc[0] + 0.5) * cell), int((rc[1] + 0.5) * cell))  # noqa: E731
    for rc in high:
        r, c = centre(rc)
        assert np.abs(overlay[r, c].astype(int) - original[r, c].astype(int)).max() > 40
    for rc in zero:
        r, c = centre(rc)
        assert np.abs(overlay[r, c].astype(int) - original[r, c].astype(int)).max() <= 2

    panel.overlay_controls.opacity.setValue(0)  # no heatmap at all: the overlay is the plain image
    assert np.array_equal(shown(view.overlay), original)


def test_compare_two_methods_and_grid_of_examples(cnn_tab, qtbot):
    panel = cnn_tab
    panel.mode_buttons.button(COMPARE).click()
    assert panel.second_box.isVisible()
    panel.second_form.set_method("gradcam")
    panel.select_example(0)
    qtbot.waitUntil(lambda: not panel.runner.running, timeout=60_000)
    with qtbot.waitSignal(panel.runner.completed, timeout=60_000):
        qtbot.mouseClick(panel.explain_button, Qt.MouseButton.LeftButton)
    assert panel.views.compare_a.title.text() == "Integrated Gradients"
    assert panel.views.compare_b.title.text() == "Grad-CAM"
    assert not panel.views.compare_b.overlay.image().isNull()
    assert "layer conv2d1" in panel.views.compare_b.caption.text()

    panel.mode_buttons.button(GRID).click()
    with qtbot.waitSignal(panel.runner.completed, timeout=60_000):
        qtbot.mouseClick(panel.explain_button, Qt.MouseButton.LeftButton)
    assert len(panel.views.tiles) == 8
    assert "8 test examples" in panel.status.text()


def test_example_sent_from_evaluation_is_explained(cnn_tab, qtbot, main_window):
    panel = cnn_tab
    drawn = np.zeros((1, 8, 8), np.float32)
    drawn[0, 1:7, 3:5] = 1.0
    with qtbot.waitSignal(panel.runner.completed, timeout=60_000):
        main_window.ctx.example_sent.emit({"x": drawn, "label": None, "source": "evaluation", "description": "your drawing"})
    assert "your drawing" in panel.example_label.text() and "evaluation" in panel.example_label.text()
    np.testing.assert_array_equal(panel.current["x"], drawn)
    assert not panel.views.single.overlay.image().isNull()
    main_window.ctx.example_sent.emit({"x": np.zeros((3, 3), np.float32), "source": "evaluation", "description": "bad"})
    assert "shape" in panel.status.text()


def test_target_defaults_to_the_prediction_and_can_be_changed(cnn_tab, qtbot):
    panel = cnn_tab
    with qtbot.waitSignal(panel.runner.completed, timeout=60_000):
        panel.select_example(1)
    assert panel.target_combo.itemText(0).startswith("Predicted:")
    assert panel.target_combo.count() == 11
    panel.target_combo.setCurrentIndex(5)  # class "4"
    with qtbot.waitSignal(panel.runner.completed, timeout=60_000) as blocker:
        qtbot.mouseClick(panel.explain_button, Qt.MouseButton.LeftButton)
    assert blocker.args[0].result.results["A"].target == 4


def test_cancel_stops_a_slow_method(cnn_tab, qtbot):
    panel = cnn_tab
    panel.method_form.set_method("lime")
    panel.method_form.editors["samples"].setValue(100_000)
    panel.method_form.editors["batch"].setValue(4)
    with qtbot.waitSignal(panel.runner.completed, timeout=60_000):
        panel.select_example(0)  # slow: picking does not start it (a fast method starts at once, right here)
        assert not panel.runner.running and "Press Explain" in panel.status.text()
        with qtbot.waitSignal(panel.runner.progress, timeout=30_000):
            qtbot.mouseClick(panel.explain_button, Qt.MouseButton.LeftButton)
        assert panel.cancel_button.isEnabled() and not panel.explain_button.isEnabled()
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert not panel.runner.running
    assert panel.progress.format() == "Cancelled" and "Cancelled" in panel.status.text()
    assert panel.runner.control.evaluated < 100_000
    assert panel.explain_button.isEnabled()


def test_gradcam_is_disabled_without_a_conv_layer_with_the_reason(main_window, qtbot):
    panel = _open(main_window, qtbot, "mlp")
    combo = panel.method_form.combo
    index = combo.findData("gradcam")
    assert not combo.model().item(index).isEnabled()
    assert "not an image" in combo.itemData(index, Qt.ItemDataRole.ToolTipRole)
    lime = combo.findData("lime")
    assert combo.model().item(lime).isEnabled()
    panel.method_form.set_method("lime")
    segmentation = panel.method_form.editors["segmentation"]
    assert not segmentation.isEnabled() and "Superpixels" in segmentation.toolTip()
    panel.method_form.set_method("ig")
    baseline = panel.method_form.editors["baseline"]
    assert not baseline.model().item(baseline.findData("blurred")).isEnabled()


def test_default_mlp_on_digit_images_disables_gradcam_for_lack_of_conv(main_window, qtbot):
    panel = main_window.interpret_panel
    main_window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: not panel.watch.stale, timeout=60_000)
    combo = panel.method_form.combo
    index = combo.findData("gradcam")
    assert not combo.model().item(index).isEnabled()
    assert "Conv2d" in combo.itemData(index, Qt.ItemDataRole.ToolTipRole)
    # Untrained: Explain says why it cannot run.
    assert not panel.explain_button.isEnabled()
    assert "train" in panel.explain_button.toolTip().lower()
    assert "No trained weights" in panel.status.text()
    # Training finishes (the Training tab stores the weights): the tab now explains the new network.
    weights = snapshot_weights(load_model(main_window.document.project, load_weights=False).built.module)
    main_window.document.set_trained(weights, {})
    main_window.document.set_modified(False)
    assert "No trained weights" not in panel.status.text()
    with qtbot.waitSignal(panel.runner.completed, timeout=60_000):
        _click_example(panel, qtbot, 1)
    assert panel.explain_button.isEnabled()
    assert not panel.views.single.overlay.image().isNull()
    panel.shutdown()


def test_tabular_example_shows_named_feature_bars(main_window, qtbot):
    panel = _open(main_window, qtbot, "mlp")
    with qtbot.waitSignal(panel.runner.completed, timeout=60_000):
        _click_example(panel, qtbot, 0)
    bars = panel.views.single_bars
    assert panel.views.currentWidget() is bars
    assert bars.names() == main_window.document.bundle().feature_names
    assert bars.values().shape == (4,) and np.abs(bars.values()).sum() > 0
    assert "convergence delta" in panel.status.text()
    panel.shutdown()


def test_closing_the_window_mid_run_joins_the_attribution_thread(cnn_tab, qtbot, main_window):
    panel = cnn_tab
    panel.method_form.set_method("kernelshap")
    panel.method_form.editors["samples"].setValue(100_000)
    panel.method_form.editors["batch"].setValue(4)
    panel.select_example(0)
    with qtbot.waitSignal(panel.runner.progress, timeout=30_000):
        qtbot.mouseClick(panel.explain_button, Qt.MouseButton.LeftButton)
    assert panel.runner.running
    main_window.close()
    assert not panel.runner.running


def test_no_explaining_while_training_and_stale_after_new_weights(cnn_tab, qtbot, main_window):
    panel = cnn_tab
    with qtbot.waitSignal(panel.runner.completed, timeout=60_000):
        panel.select_example(0)
    main_window.ctx.set_training_active(True)
    assert not panel.explain_button.isEnabled()
    assert "Training is running" in panel.explain_button.toolTip()
    main_window.ctx.set_training_active(False)
    assert panel.explain_button.isEnabled()
    weights = {k: v * 0.5 for k, v in main_window.document.project.weights.items()}
    main_window.document.set_trained(weights, {})
    assert "new weights" in panel.status.text()
    # The tab explains a fresh copy holding the new weights, in eval mode.
    assert panel.model is not None and not panel.model.training
    first = next(iter(weights))
    np.testing.assert_allclose(panel.model.state_dict()[first].numpy(), weights[first].numpy())
    main_window.document.set_modified(False)  # pytest-qt closes the window before fixtures tear down: no save prompt
