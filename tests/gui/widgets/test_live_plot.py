"""LivePlot's steady view: the run's width up front, a y range that moves in jumps, the user's zoom respected."""

import numpy as np
import pytest
from PySide6.QtGui import QImage, QPainter

from nnstudio.gui.widgets.live_plot import LivePlot


@pytest.fixture
def plot(qtbot):
    plot = LivePlot("Loss", "epoch", "loss", fps=1)
    plot.add_curve("loss")
    qtbot.addWidget(plot)
    plot.resize(500, 300)
    plot.show()
    qtbot.waitExposed(plot)
    return plot


def _view(plot):
    return plot.getPlotItem().getViewBox().viewRange()


def test_the_x_range_is_the_whole_run_from_the_first_point(plot):
    plot.set_x_extent(0, 20)
    plot.extend("loss", [0.1, 0.2], [2.0, 1.9])
    plot.redraw()
    (x0, x1), _ = _view(plot)
    assert x0 <= 0 < 20 <= x1 < 21


def test_a_falling_loss_moves_the_y_range_rarely_and_always_shows_every_point(plot):
    plot.set_x_extent(0, 1)
    losses = 3.0 * np.exp(-np.linspace(0, 5, 400))  # 3.0 down to 0.02
    changes, last = 0, None
    for i in range(0, 400, 10):  # forty frames
        plot.extend("loss", np.arange(i, i + 10) / 400, losses[i : i + 10])
        plot.redraw()
        _, (y0, y1) = _view(plot)
        assert y0 <= losses[: i + 10].min() and losses[: i + 10].max() <= y1  # nothing is cut off
        changes += (y0, y1) != last
        last = (y0, y1)
    assert changes <= 8  # a handful of jumps; autorange would have moved it on every one of the 40 frames
    assert last[0] == 0.0  # a loss is never negative: the axis stops at zero


def test_points_past_the_planned_width_grow_it(plot):
    plot.set_x_extent(0, 2)
    plot.extend("loss", [1.0, 2.0, 3.0], [1.0, 0.9, 0.8])
    plot.redraw()
    (_, x1), _ = _view(plot)
    assert x1 >= 3.0


def test_a_hand_zoom_is_kept_until_the_next_run(plot, qtbot):
    plot.set_x_extent(0, 10)
    plot.extend("loss", [1.0, 2.0], [1.0, 0.5])
    plot.redraw()
    view = plot.getPlotItem().getViewBox()
    view.scaleBy((0.5, 0.5))  # what the mouse wheel does
    view.sigRangeChangedManually.emit(view.state["mouseEnabled"])
    zoomed = _view(plot)
    plot.extend("loss", [3.0, 4.0], [0.1, 0.05])
    plot.redraw()
    assert _view(plot) == zoomed
    plot.clear_data()  # a new run: the plot frames it again
    plot.set_x_extent(0, 5)
    plot.extend("loss", [1.0], [2.0])
    plot.redraw()
    (x0, x1), _ = _view(plot)
    assert x0 <= 0 and 5 <= x1 < 6


def test_log_scale_leaves_the_range_to_pyqtgraph_and_back(plot):
    plot.extend("loss", [1.0, 2.0, 3.0], [1.0, 0.1, 0.01])
    plot.set_log_y(True)
    plot.redraw()
    assert plot.getPlotItem().getViewBox().state["autoRange"][1]
    (x0, x1), _ = _view(plot)
    assert x0 <= 1.0 and x1 >= 3.0  # x is still this class's: every point in view
    plot.set_log_y(False)
    plot.redraw()
    _, (y0, y1) = _view(plot)
    assert y0 <= 0.01 and y1 >= 1.0


def test_the_best_epoch_line_waits_for_its_points(plot):
    plot.append("loss", 1.0, 0.5)
    plot.mark_x(1.0, "best: epoch 1")
    assert plot.marked_x == 1.0
    marker = plot._marker
    assert marker is None or not marker.isVisible()  # not drawn ahead of the point it marks
    plot.redraw()
    assert plot._marker is not None and plot._marker.isVisible() and plot._marker.value() == 1.0


def test_a_new_run_on_a_log_scale_still_fits_y(plot):
    plot.set_log_y(True)
    plot.clear_data()  # what a new run does
    plot.extend("loss", [1.0, 2.0, 3.0], [1.0, 0.1, 0.01])
    plot.redraw()
    view = plot.getPlotItem().getViewBox()
    view.updateAutoRange()
    _, (y0, y1) = _view(plot)
    assert y0 <= -2 and y1 >= 0  # log10 of 0.01 and 1: every point in view


def _drawn_labels(axis) -> list[str]:
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _, _, text in texts]


def test_a_log_axis_labels_1_2_and_5_times_a_power_of_ten(plot):
    plot.set_log_y(True)
    plot.extend("loss", [1.0, 2.0, 3.0], [0.25, 0.6, 1.0])  # less than a decade: every minor tick shows
    plot.redraw()
    plot.getPlotItem().getViewBox().updateAutoRange()
    axis = plot.getAxis("left")
    labels = _drawn_labels(axis)
    assert "0.5" in labels and "1" in labels
    assert not {"0.3", "0.4", "0.6", "0.7", "0.8", "0.9"} & set(labels)  # pyqtgraph's own labels them all
    values = [v for _, level in axis.tickValues(*axis.range, axis.height()) for v in level]
    assert any(abs(10 ** v - 0.9) < 1e-9 for v in values)  # the ticks and grid lines themselves all stay


def test_without_a_planned_width_the_end_of_a_run_frames_exactly_its_points(plot):
    plot.clear_data()  # no set_x_extent: the width grows with the data, by half each time
    for x in np.arange(0.0, 10.01, 0.5):
        plot.append("loss", float(x), 1.0 / (1.0 + x))
        plot.redraw()
    (_, x1), _ = _view(plot)
    assert x1 > 11.0  # grown past the last point
    plot.refit()  # what a panel does when the run ends
    (x0, x1), _ = _view(plot)
    assert x0 <= 0.0 and 10.0 <= x1 <= 10.5
    plot.set_x_extent(0, 20)  # a planned width stays: the training curves span the whole run asked for
    plot.refit()
    (_, x1), _ = _view(plot)
    assert x1 >= 20.0
