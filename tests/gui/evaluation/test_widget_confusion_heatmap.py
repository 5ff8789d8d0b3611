"""The confusion heatmap on the Evaluation tab: its cells, tooltips, colours and shares equal scikit-learn's
confusion matrix of the trained model's own predictions; the split menu and the threshold slider move it."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from sklearn.metrics import confusion_matrix

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.data.spec import DataSpec
from nnstudio.core.project.spec import Project, default_project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.workspace.session import train_project


@pytest.fixture(scope="module")
def digits_project() -> Project:
    project = default_project()
    project.training.epochs = 2
    train_project(project)
    return project


@pytest.fixture(scope="module")
def moons_project() -> Project:
    arch = ArchitectureSpec([layer("linear", in_features=2, out_features=8), layer("relu"), layer("linear", in_features=8, out_features=2)])
    project = Project("moons", arch, DataSpec("moons", {"n_samples": 300, "noise": 0.35}), TrainSpec(epochs=4, lr=0.01))
    train_project(project)
    return project


def show_trained(qtbot, window, project: Project):
    panel = window.evaluation_panel
    window.show_tab("evaluation")
    with qtbot.waitSignal(panel.evaluation_finished, timeout=60_000, check_params_cb=lambda report: report is not None):
        window.document.replace(copy.deepcopy(project))
    panel.pages.setCurrentIndex(panel.confusion_index)
    qtbot.waitUntil(lambda: panel.confusion_page.heatmap.isVisible())
    return panel


def model_probabilities(window, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(true labels, softmax probabilities) of the document's trained model, computed here, not by the report."""
    doc = window.document
    data = doc.bundle().splits()[split]
    model = doc.trained_model().eval()
    with torch.no_grad():
        proba = torch.softmax(model(data.x), dim=1).numpy()
    return data.y.numpy(), proba


def hover_text(qtbot, heatmap, r: int, c: int) -> str:
    qtbot.mouseMove(heatmap, heatmap.cell_rect(r, c).center())
    return heatmap.toolTip()


def cell_colour(heatmap, r: int, c: int) -> QColor:
    rect = heatmap.cell_rect(r, c)
    return heatmap.grab().toImage().pixelColor(rect.topLeft() + QPoint(3, 3))  # a corner: away from the number


def test_cells_equal_sklearn_on_the_models_predictions_for_each_split(qtbot, main_window, digits_project):
    panel = show_trained(qtbot, main_window, digits_project)
    heatmap = panel.confusion_page.heatmap
    assert panel.split_combo.currentText() == "test"
    y, proba = model_probabilities(main_window, "test")
    expected = confusion_matrix(y, proba.argmax(axis=1), labels=list(range(10)))
    np.testing.assert_array_equal(heatmap.counts, expected)
    assert heatmap.labels == [str(i) for i in range(10)]

    # What the pointer reads over a cell: its count out of the row's total.
    r, c = np.unravel_index(int((expected - np.diag(np.diag(expected) + 1)).argmax()), expected.shape)
    assert expected[r, c] > 0, "a trained-for-two-epochs model makes some mistake"
    assert hover_text(qtbot, heatmap, 3, 3).startswith(f"True 3, predicted 3: {expected[3, 3]} of {expected[3].sum()} (right)")
    assert hover_text(qtbot, heatmap, int(r), int(c)).startswith(f"True {r}, predicted {c}: {expected[r, c]} of {expected[r].sum()} (mistakes)")

    # Colours: right answers blue, mistakes orange, empty cells white.
    right = cell_colour(heatmap, 3, 3)
    wrong = cell_colour(heatmap, int(r), int(c))
    assert right.blue() > right.red() and wrong.red() > wrong.blue()
    zero = np.argwhere(expected == 0)[0]
    assert cell_colour(heatmap, *map(int, zero)).name() == "#ffffff"

    # The split menu, driven by the keyboard: the validation split's matrix.
    panel.split_combo.setFocus()
    qtbot.keyClick(panel.split_combo, Qt.Key.Key_Up)
    assert panel.split_combo.currentText() == "validation"
    yv, pv = model_probabilities(main_window, "validation")
    np.testing.assert_array_equal(heatmap.counts, confusion_matrix(yv, pv.argmax(axis=1), labels=list(range(10))))

    # Shares of each true class: sklearn's row-normalized matrix.
    qtbot.mouseClick(panel.confusion_page.normalized_button, Qt.MouseButton.LeftButton)
    assert heatmap.normalized
    np.testing.assert_allclose(heatmap.values(), confusion_matrix(yv, pv.argmax(axis=1), labels=list(range(10)), normalize="true"))


def test_threshold_slider_keys_give_the_matrix_at_that_threshold(qtbot, main_window, moons_project):
    panel = show_trained(qtbot, main_window, moons_project)
    page = panel.confusion_page
    y, proba = model_probabilities(main_window, "test")
    np.testing.assert_array_equal(page.heatmap.counts, confusion_matrix(y, (proba[:, 1] >= 0.5).astype(int), labels=[0, 1]))

    page.threshold.setFocus()
    for _ in range(15):
        qtbot.keyClick(page.threshold, Qt.Key.Key_Right)
    assert page.threshold.value() == 65
    expected = confusion_matrix(y, (proba[:, 1] >= 0.65).astype(int), labels=[0, 1])
    np.testing.assert_array_equal(page.heatmap.counts, expected)
    tn, fp, fn, tp = expected.ravel()
    assert f"accuracy <b>{(tn + tp) / len(y):.1%}</b>" in page.threshold_label.text()
    if tp + fp:
        assert f"precision <b>{tp / (tp + fp):.3f}</b>" in page.threshold_label.text()
    qtbot.keyClick(page.threshold, Qt.Key.Key_PageDown)  # one page down: 0.55
    assert page.threshold.value() == 55
    np.testing.assert_array_equal(page.heatmap.counts, confusion_matrix(y, (proba[:, 1] >= 0.55).astype(int), labels=[0, 1]))
