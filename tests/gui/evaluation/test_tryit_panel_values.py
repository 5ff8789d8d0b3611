"""Try it on the Evaluation tab: the probabilities the student reads are the network's own answer.

A digit drawn with the mouse, and flower measurements typed with the keyboard, are turned into the model's
input here without the try-it code (the canvas's pixels as they are; typed values standardized with the
training rows' statistics), passed through the network and softmax, and compared with the bars and the
sentence the page shows. A trained network must also read the drawn digits correctly.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPoint, Qt

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.data.assemble import load_raw, split_indices
from nnstudio.core.data.spec import DataSpec, StepSpec
from nnstudio.core.project.spec import Project, default_project
from nnstudio.core.training.config import TrainSpec
from nnstudio.core.workspace.document import load_model
from nnstudio.core.workspace.session import train_project
from nnstudio.gui import palette

# Strokes on the 8x8 grid in (row, column) units, shaped like the dataset's digits.
STROKES = {
    1: [[(0.6, 4.0), (7.6, 4.0)]],
    7: [[(1.0, 1.2), (1.0, 6.5), (7.6, 3.2)]],
    0: [[(4.0 + 3.3 * np.cos(a), 4.0 + 2.5 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 25)]],
}


@pytest.fixture(scope="module")
def digits_project() -> Project:
    project = default_project()
    project.data.preprocessing = []  # the pixels as drawn reach the network (the default standardizes)
    project.training.epochs = 12
    train_project(project)
    return project


@pytest.fixture(scope="module")
def iris_project() -> Project:
    project = Project(
        "iris", ArchitectureSpec([layer("linear", out_features=16), layer("relu"), layer("linear", out_features=3)]),
        DataSpec("iris", preprocessing=[StepSpec("standardize", {})]), TrainSpec(epochs=60, lr=0.01, batch_size=16),
    )
    project = Project.from_dict(project.to_dict())
    train_project(project)
    return project


def show_try_it(qtbot, window, project: Project):
    panel = window.evaluation_panel
    window.show_tab("evaluation")
    with qtbot.waitSignal(panel.evaluation_finished, timeout=60_000, check_params_cb=lambda report: report is not None):
        window.document.replace(copy.deepcopy(project))
    panel.pages.setCurrentIndex(panel.try_index)
    return panel.try_page


def network(project: Project) -> torch.nn.Module:
    """The trained network, rebuilt from the project's weights (not the page's copy)."""
    return load_model(project).built.module.eval()


def softmax_of(model: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        out = model(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[None]).double()
    return torch.softmax(out[0], 0).numpy()


def draw(qtbot, canvas, strokes) -> None:
    """Drag the mouse along each stroke, given in grid (row, column) units."""
    cell = min(canvas.width() / canvas.cols, canvas.height() / canvas.rows)
    left, top = (canvas.width() - cell * canvas.cols) / 2, (canvas.height() - cell * canvas.rows) / 2

    def at(row: float, col: float) -> QPoint:
        return QPoint(round(left + col * cell), round(top + row * cell))

    for stroke in strokes:
        points = [at(r, c) for r, c in stroke]
        qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=points[0])
        for p in points[1:]:
            qtbot.mouseMove(canvas, p)
        qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=points[-1])


def shown_answer(page) -> tuple[np.ndarray, str]:
    """What the student reads: the bar heights and the sentence above them."""
    return np.asarray(page.bars.opts["height"], dtype=np.float64), page.answer.text()


def test_drawn_digits_show_the_networks_softmax_and_are_read_correctly(qtbot, main_window, digits_project):
    page = show_try_it(qtbot, main_window, digits_project)
    canvas = page.canvas
    qtbot.waitUntil(lambda: canvas.isVisible())
    page.brush.setValue(1.5)
    model = network(digits_project)
    for digit, strokes in STROKES.items():
        qtbot.mouseClick(page.clear_button, Qt.MouseButton.LeftButton)
        assert canvas.is_empty()
        draw(qtbot, canvas, strokes)
        pixels = canvas.image()  # the grid the student sees; digits are [0, 1] pixels, no preprocessing
        assert pixels.shape == (8, 8) and 6 < pixels.sum() < 40
        expected = softmax_of(model, pixels[None])
        bars, sentence = shown_answer(page)
        np.testing.assert_allclose(bars, expected, rtol=1e-5, atol=1e-7)
        best = int(np.argmax(expected))
        assert f"The network says <b>{best}</b> ({expected[best]:.0%} sure)" in sentence
        assert best == digit, (digit, expected.round(3))
        brushes = page.bars.opts["brushes"]  # the answer's bar is the highlighted one, every other the accent
        assert brushes[best] == palette.role("highlight") != palette.role("accent")
        assert [b for i, b in enumerate(brushes) if i != best] == [palette.role("accent")] * (len(brushes) - 1)


FLOWERS = {(5.0, 3.4, 1.5, 0.2): "setosa", (5.9, 2.8, 4.3, 1.3): "versicolor", (6.8, 3.1, 5.8, 2.2): "virginica"}


def type_into(qtbot, spin, text: str) -> None:
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def test_typed_flower_measurements_show_the_networks_softmax(qtbot, main_window, iris_project):
    page = show_try_it(qtbot, main_window, iris_project)
    assert len(page.spins) == 4
    qtbot.waitUntil(lambda: page.spins[0].isVisible())
    raw = load_raw(iris_project.data)
    train_idx, _, _ = split_indices(raw, iris_project.data)
    train = raw.x[train_idx].astype(np.float64)
    mean, std = train.mean(0), train.std(0)
    model = network(iris_project)
    for values, species in FLOWERS.items():
        for spin, value in zip(page.spins, values, strict=True):
            type_into(qtbot, spin, f"{value}")
        assert [s.value() for s in page.spins] == pytest.approx(list(values))
        expected = softmax_of(model, (np.asarray(values) - mean) / std)
        bars, sentence = shown_answer(page)
        np.testing.assert_allclose(bars, expected, rtol=1e-5, atol=1e-7)
        best = int(np.argmax(expected))
        assert f"The network says <b>{species}</b> ({expected[best]:.0%} sure)" in sentence
        assert page.source == "typed feature values"


def test_typed_values_outside_the_training_range_are_flagged(qtbot, main_window, iris_project):
    """A flower far larger than any in training gets an answer and a note that the network never saw one."""
    page = show_try_it(qtbot, main_window, iris_project)
    qtbot.waitUntil(lambda: page.spins[0].isVisible())
    for spin, value in zip(page.spins, (5.9, 2.8, 4.3, 1.3), strict=True):
        type_into(qtbot, spin, f"{value}")
    assert "The network says" in page.answer.text() and "never saw such input" not in page.answer.text()
    type_into(qtbot, page.spins[2], "15")  # petal length: the longest in training is under 7 cm
    sentence = page.answer.text()
    assert "The network says" in sentence
    name = page.bundle.feature_names[2]
    assert f"{name} = 15 lies outside the training data" in sentence and "never saw such input" in sentence
    type_into(qtbot, page.spins[2], "4.3")
    assert "never saw such input" not in page.answer.text()
