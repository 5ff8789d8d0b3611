"""The drawing canvas on the Evaluation tab's Try it page: mouse strokes give the pixel array a pen of that
width would cover (each dataset pixel's share of ink, worked out here from the geometry), the painted grid
shows those grey levels, and Clear empties it."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from nnstudio.core.arch.weights import snapshot_weights
from nnstudio.core.project.spec import default_project
from nnstudio.core.workspace.document import load_model


@pytest.fixture
def try_page(qtbot, main_window):
    project = default_project()  # seeded random weights: the page needs a network, not a good one
    project.weights = snapshot_weights(load_model(project, load_weights=False).built.module)
    panel = main_window.evaluation_panel
    main_window.show_tab("evaluation")
    with qtbot.waitSignal(panel.evaluation_finished, timeout=60_000, check_params_cb=lambda report: report is not None):
        main_window.document.replace(copy.deepcopy(project))
    panel.pages.setCurrentIndex(panel.try_index)
    page = panel.try_page
    qtbot.waitUntil(lambda: page.canvas is not None and page.canvas.isVisible())
    return page


def board(canvas) -> tuple[float, float, float]:
    """Left, top and the size of one dataset pixel on screen: the largest square grid that fits, centred."""
    cell = min(canvas.width() / canvas.cols, canvas.height() / canvas.rows)
    return (canvas.width() - cell * canvas.cols) / 2, (canvas.height() - cell * canvas.rows) / 2, cell


def to_screen(canvas, row: float, col: float) -> QPoint:
    left, top, cell = board(canvas)
    return QPoint(round(left + col * cell), round(top + row * cell))


def to_grid(canvas, p: QPoint) -> tuple[float, float]:
    left, top, cell = board(canvas)
    return (p.y() - top) / cell, (p.x() - left) / cell


def covered(shape: tuple[int, int], path: list[tuple[float, float]], diameter: float, samples: int = 40) -> np.ndarray:
    """Each pixel's share of area within diameter/2 of the polyline ``path`` (row, col points), by sampling."""
    rows, cols = shape
    t = (np.arange(samples) + 0.5) / samples
    ys = (np.arange(rows)[:, None] + t[None, :]).reshape(-1)
    xs = (np.arange(cols)[:, None] + t[None, :]).reshape(-1)
    py, px = np.meshgrid(ys, xs, indexing="ij")
    dist = np.full(py.shape, np.inf)
    for (y0, x0), (y1, x1) in zip(path, path[1:] or path, strict=False):
        dy, dx = y1 - y0, x1 - x0
        length2 = dy * dy + dx * dx
        s = np.clip(((py - y0) * dy + (px - x0) * dx) / length2, 0, 1) if length2 else 0.0
        dist = np.minimum(dist, np.hypot(py - (y0 + s * dy), px - (x0 + s * dx)))
    inside = (dist <= diameter / 2).astype(np.float64)
    return inside.reshape(rows, samples, cols, samples).mean(axis=(1, 3))


def test_strokes_give_the_pixels_a_pen_of_that_width_covers(qtbot, try_page):
    page = try_page
    canvas = page.canvas
    assert (canvas.rows, canvas.cols) == (8, 8) and canvas.is_empty()

    # Brush 1.5 pixels, typed; then a horizontal stroke along row 3 from column 1.5 to 6.5.
    page.brush.lineEdit().selectAll()
    qtbot.keyClicks(page.brush.lineEdit(), "1.5")
    qtbot.keyClick(page.brush.lineEdit(), Qt.Key.Key_Return)  # the box commits on Enter, as a typed value should
    assert canvas.brush == 1.5
    points = [to_screen(canvas, 3.5, c) for c in (1.5, 3.0, 4.5, 6.5)]
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=points[0])
    for p in points[1:]:
        qtbot.mouseMove(canvas, p)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=points[-1])
    expected = covered((8, 8), [to_grid(canvas, p) for p in points], 1.5)
    image = canvas.image()
    np.testing.assert_allclose(image, expected, atol=0.05)
    np.testing.assert_allclose(image[3, 2:6], 1.0, atol=0.02)  # the stroke's own row: full ink
    np.testing.assert_allclose(image[[2, 4], 2:6], 0.25, atol=0.05)  # a quarter of the rows above and below
    assert image[[0, 1, 5, 6, 7]].max() == 0.0

    # A single click with a 1-pixel brush: a disc of diameter 1 in one pixel, pi/4 of it inked.
    page.brush.lineEdit().selectAll()
    qtbot.keyClicks(page.brush.lineEdit(), "1")
    qtbot.keyClick(page.brush.lineEdit(), Qt.Key.Key_Return)  # the box commits on Enter, as a typed value should
    assert canvas.brush == 1.0
    dot = to_screen(canvas, 6.5, 5.5)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=dot)
    expected = np.maximum(expected, covered((8, 8), [to_grid(canvas, dot)], 1.0))
    image = canvas.image()
    np.testing.assert_allclose(image, expected, atol=0.05)
    assert image[6, 5] == pytest.approx(np.pi / 4, abs=0.05)
    assert image[6, [4, 6]].max() < 0.05 and image[[5, 7], 5].max() < 0.05

    # The painted canvas shows those grey levels, one flat square per pixel.
    shot = canvas.grab().toImage()
    ratio = shot.width() / canvas.width()
    for r, c in ((3, 3), (2, 3), (6, 5), (0, 0)):
        centre = to_screen(canvas, r + 0.5, c + 0.3)  # off the centre line: away from the grid lines
        grey = shot.pixelColor(int(centre.x() * ratio), int(centre.y() * ratio)).red()
        assert grey == pytest.approx(int(image[r, c] * 255), abs=2), (r, c)

    # The prediction is of this drawing; Clear empties the canvas.
    assert page.output is not None and page.output.shape == (10,)
    qtbot.mouseClick(page.clear_button, Qt.MouseButton.LeftButton)
    assert canvas.is_empty() and canvas.image().max() == 0.0
