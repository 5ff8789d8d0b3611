"""The thumbnail list on the Interpretability tab: it shows the test split's first examples with their labels
(thumbnails with each example's own pixels, or rows of feature values for a table), and clicks and
Ctrl-/Shift-clicks choose exactly the examples the panel then explains."""

from __future__ import annotations

import numpy as np
import torch
from PySide6.QtCore import Qt

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.workspace.document import load_model
from nnstudio.gui.panels.interpret.panel import GALLERY_SIZE


def _open(window, qtbot, data: DataSpec, layers: list, trained: bool = False):
    project = Project(name="thumbs", architecture=ArchitectureSpec(layers), data=data, training=TrainSpec(epochs=1))
    if trained:  # seeded random weights: a network to predict with, without spending time on training
        project.weights = snapshot_weights(load_model(project, load_weights=False).built.module)
    window.document.replace(project)
    panel = window.interpret_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.isVisible() and not panel.watch.stale, timeout=60_000)
    return panel


def _click(qtbot, gallery, row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    gallery.scrollToItem(gallery.item(row))
    qtbot.mouseClick(gallery.viewport(), Qt.MouseButton.LeftButton, modifier, gallery.visualItemRect(gallery.item(row)).center())


DIGIT_LAYERS = [layer("flatten"), layer("linear", out_features=10)]


def test_thumbnails_show_the_test_examples_and_clicks_choose_them(main_window, qtbot):
    panel = _open(main_window, qtbot, DataSpec("digits"), DIGIT_LAYERS)
    gallery = panel.gallery
    test = main_window.document.bundle().test
    n = min(GALLERY_SIZE, len(test))
    labels = [str(int(v)) for v in test.y[:n]]
    assert gallery.count() == n
    assert [gallery.item(i).text() for i in range(n)] == labels
    assert gallery.item(5).toolTip() == f"Test example 5, label {labels[5]}"
    for row in (0, 5, n - 1):  # each thumbnail: the example's pixels stretched from its darkest to its brightest
        image = gallery.item(row).icon().pixmap(gallery.iconSize()).toImage()
        step = image.width() / 8
        shown = np.array([[image.pixelColor(int((j + 0.5) * step), int((i + 0.5) * step)).red() for j in range(8)] for i in range(8)])
        x = test.x[row].numpy()[0]
        np.testing.assert_allclose(shown, np.round((x - x.min()) / (x.max() - x.min()) * 255), atol=1)

    _click(qtbot, gallery, 4)
    assert gallery.selected_indices() == [4]
    np.testing.assert_array_equal(panel.current["x"], test.x[4].numpy())
    assert panel.example_label.text() == f"test example 4, label {labels[4]}"
    _click(qtbot, gallery, 9, Qt.KeyboardModifier.ControlModifier)
    assert gallery.selected_indices() == [4, 9]
    _click(qtbot, gallery, 12, Qt.KeyboardModifier.ShiftModifier)
    assert gallery.selected_indices() == [4, 9, 10, 11, 12]  # Shift extends from the last click, keeping the Ctrl choice
    # The current example follows the last click; the grid of several examples uses the selection.
    np.testing.assert_array_equal(panel.current["x"], test.x[12].numpy())


def test_table_rows_show_each_examples_label_and_values(main_window, qtbot):
    panel = _open(main_window, qtbot, DataSpec("iris"), [layer("linear", out_features=3)])
    gallery = panel.gallery
    bundle = main_window.document.bundle()
    test = bundle.test
    n = min(GALLERY_SIZE, len(test))
    assert gallery.count() == n
    for i in (0, 7, n - 1):
        name = bundle.class_names[int(test.y[i])]
        values = test.x[i].numpy()
        assert gallery.item(i).text() == f"#{i}  {name}:  " + ", ".join(f"{v:.2f}" for v in values)
        assert gallery.item(i).toolTip() == ", ".join(f"{f} = {v:.3g}" for f, v in zip(bundle.feature_names, values, strict=True))
    qtbot.keyClick(gallery, Qt.Key.Key_Down)  # the keyboard moves the choice too
    chosen = gallery.selected_indices()
    assert len(chosen) == 1
    np.testing.assert_array_equal(panel.current["x"], test.x[chosen[0]].numpy())


def test_a_clicked_thumbnail_is_predicted_with_the_models_probability(main_window, qtbot):
    panel = _open(main_window, qtbot, DataSpec("digits"), DIGIT_LAYERS, trained=True)
    test = main_window.document.bundle().test
    try:
        with qtbot.waitSignal(panel.runner.completed, timeout=60_000):  # a fast method runs on the click
            _click(qtbot, panel.gallery, 6)
        with torch.no_grad():
            p = torch.softmax(main_window.document.trained_model().eval()(test.x[6:7]), dim=1)[0].numpy()
        k = int(p.argmax())
        assert panel.target_combo.itemText(0) == f"Predicted: {k}, {p[k]:.0%}"
        assert panel.target_combo.itemText(1 + k) == f"{k} ({p[k]:.0%})"
    finally:
        panel.shutdown()
