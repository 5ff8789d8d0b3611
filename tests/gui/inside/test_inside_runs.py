"""Inside and Runs tabs: live boundary/neurons/gradients, two runs overlaid, sorted, restored, scrubbed;
LR finder with Apply; sweep with Cancel; CSV and TensorBoard export."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
import torch
from helpers_clock import FakeClock, counted_stats
from PySide6.QtCore import Qt

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.arch.weights import apply_weights
from nnstudio.core.data.spec import DataSpec, StepSpec
from nnstudio.core.insight.grid import boundary_grid, describe_neuron, neuron_responses
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec
from nnstudio.gui.panels.runs import COLUMNS, RUN_ROLE


def moons_project(epochs: int = 3, lr: float = 0.03) -> Project:
    project = Project(
        name="moons",
        architecture=ArchitectureSpec([layer("linear", in_features=0, out_features=6), layer("tanh"),
                                       layer("linear", in_features=0, out_features=6), layer("tanh"),
                                       layer("linear", in_features=0, out_features=2)], name="Small MLP"),
        data=DataSpec("moons", {"n_samples": 160, "noise": 0.2}, [StepSpec("standardize")]),
        training=TrainSpec(lr=lr, batch_size=32, epochs=epochs, device="cpu"),
    )
    return Project.from_dict(project.to_dict())


@pytest.fixture
def moons_window(main_window):
    main_window.document.replace(moons_project())
    return main_window


def train(qtbot, window, **changes):
    doc = window.document
    if changes:
        spec = doc.project.training.copy()
        for k, v in changes.items():
            setattr(spec, k, v)
        doc.set_training(spec)
    panel = window.training_panel
    with qtbot.waitSignal(panel.run_finished, timeout=60_000):
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)


def select_rows(table, rows):
    table.clearSelection()
    from PySide6.QtCore import QItemSelectionModel

    for r in rows:
        table.selectionModel().select(table.model().index(r, 0),
                                      QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)


def row_of(table, run_id):
    return next(r for r in range(table.rowCount()) if table.item(r, 0).data(RUN_ROLE) == run_id)


def test_inside_tab_shows_live_boundary_neurons_and_statistics(qtbot, moons_window, monkeypatch):
    window = moons_window
    # A clock that moves a second at every read: the time budget never holds a look back, on any machine.
    collected: list[float] = []
    monkeypatch.setattr("nnstudio.gui.panels.inside.StatsCallback", counted_stats(FakeClock(wall_step=1.0), collected))
    inside = window.panel("inside")
    window.tabs.setCurrentWidget(inside)
    assert inside.plane is not None and inside.boundary.isVisible()
    inside.every.setValue(2)
    window.training_panel.speed.setValue(3)  # 30 ms per batch: a run a class can watch, long enough to sample
    train(qtbot, window, epochs=5)
    qtbot.waitUntil(lambda: inside.act_table.rowCount() == 2 and inside.layer_choice.count() == 3, timeout=60_000)
    # The boundary is the trained network's prediction over the raw plane, through the fitted pipeline.
    model = window.document.trained_model()
    bundle = window.document.bundle()
    grid = boundary_grid(model, bundle.pipeline, inside.plane, bundle.task, 160)
    from nnstudio.gui.widgets.boundary_view import grid_colours

    np.testing.assert_array_equal(inside.boundary.colours, grid_colours(grid))
    assert len(np.unique(grid.values)) == 2  # both classes appear on the plane
    # One tile per hidden neuron; hovering shows its incoming weights and bias.
    assert [len(row) for row in inside.tiles] == [6, 6]
    layers = neuron_responses(model, bundle.pipeline, inside.plane, 36, inside.plane.feature_names)
    assert inside.tiles[0][3].toolTip() == describe_neuron(layers[0], 3)
    assert f"bias {float(model[0].bias[3].detach()):+.3f}" in inside.tiles[0][3].toolTip()
    # Gradient norms of all three layers over time, on a log axis.
    assert inside.grad_plot.log_y
    xs, ys = inside.grad_plot.curve_data("layer linear1")
    batches = math.ceil(len(bundle.train) / 32)  # per epoch
    # The first batch, then every second one of the 5 epochs, each one on the curve (in epochs).
    assert collected == [1 / batches] + [b / batches for b in range(2, 5 * batches + 1, 2)]
    np.testing.assert_allclose(xs, collected)
    assert np.all(ys > 0)
    assert inside.act_table.item(0, 0).text() == "layer tanh2"


def test_collection_switched_off_collects_nothing(qtbot, moons_window, monkeypatch):
    collected: list[float] = []
    monkeypatch.setattr("nnstudio.gui.panels.inside.StatsCallback", counted_stats(FakeClock(wall_step=1.0), collected))
    inside = moons_window.panel("inside")
    moons_window.tabs.setCurrentWidget(inside)
    qtbot.mouseClick(inside.collect, Qt.MouseButton.LeftButton)
    assert not inside.collect.isChecked()
    train(qtbot, moons_window, epochs=1)
    qtbot.waitUntil(lambda: not moons_window.ctx.training_active, timeout=60_000)  # the tab has taken what the run left
    assert collected == []
    assert all(len(inside.grad_plot.curve_data(name)[0]) == 0 for name in inside.grad_plot.curve_names())
    assert inside.act_table.rowCount() == 0


def test_two_runs_overlay_sort_restore_and_scrub(qtbot, moons_window):
    window = moons_window
    runs = window.panel("runs")
    doc = window.document
    train(qtbot, window, lr=0.01, epochs=3)
    train(qtbot, window, lr=0.1, epochs=5)
    table = runs.table
    assert table.rowCount() == 2
    first, second = runs.store.runs
    assert (first.training.lr, first.epochs, second.training.lr, second.epochs) == (0.01, 3, 0.1, 5)
    assert len(doc.project.runs) == 2  # kept in the project, so they are saved with it

    # Overlay both runs' validation loss.
    select_rows(table, [0, 1])
    curves = runs.overlay_curves()
    assert set(curves) == {first.name, second.name}
    np.testing.assert_allclose(curves[second.name][1], second.history["val_loss"])
    runs.curve_choice.setCurrentText("val_accuracy")
    np.testing.assert_allclose(runs.overlay_curves()[first.name][1], first.history["val_accuracy"])

    # Sort by epochs: click the header twice for descending.
    header = table.horizontalHeader()
    col = COLUMNS.index("Epochs")
    pos = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
    from PySide6.QtCore import QPoint

    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos, header.height() // 2))
    assert [table.item(r, col).text() for r in range(2)] == ["3", "5"]
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(pos, header.height() // 2))
    assert [table.item(r, col).text() for r in range(2)] == ["5", "3"]

    # Restore the first run's final weights and its settings.
    select_rows(table, [row_of(table, first.id)])
    qtbot.mouseClick(runs.restore_final_button, Qt.MouseButton.LeftButton)
    assert doc.project.training.lr == 0.01
    for k, v in first.weights.items():
        assert torch.equal(doc.project.weights[k], v)
    assert len(doc.project.history["epoch"]) == 3

    # Scrub the current (second) run back to epoch 2: its metrics and boundary, then use those weights.
    table.clearSelection()
    runs.pages.setCurrentIndex(1)
    assert runs.scrub_epochs == [0, 1, 2, 3, 4, 5]
    runs.scrub_slider.setValue(2)
    assert "Epoch 2 of 5" in runs.scrub_metrics.text()
    assert f"{second.history['val_loss'][1]:.4f}" in runs.scrub_metrics.text()
    module = doc.built().module
    apply_weights(module, second.snapshots[2])
    bundle = doc.bundle()
    from nnstudio.gui.widgets.boundary_view import grid_colours

    expected = grid_colours(boundary_grid(module, bundle.pipeline, runs.plane(), bundle.task, 120))
    np.testing.assert_array_equal(runs.scrub_boundary.colours, expected)
    assert "KB of the 200 MB cap (6 epochs)" in runs.snapshot_use.text()
    qtbot.mouseClick(runs.scrub_use, Qt.MouseButton.LeftButton)
    for k, v in second.snapshots[2].items():
        assert torch.equal(doc.project.weights[k], v)
    assert doc.project.history["val_loss"] == second.history["val_loss"][:2]


def test_lr_finder_and_apply(qtbot, moons_window):
    runs = moons_window.panel("runs")
    runs.pages.setCurrentIndex(2)
    runs.lr_steps.setValue(60)
    with qtbot.waitSignal(runs.task.completed, timeout=60_000):
        qtbot.mouseClick(runs.lr_start, Qt.MouseButton.LeftButton)
    result = runs.lr_result
    assert len(result.lrs) > 20 and runs.lr_apply.isEnabled()
    xs, _ = runs.lr_curve.getData()
    assert len(xs) == np.isfinite(result.smoothed).sum()
    qtbot.mouseClick(runs.lr_apply, Qt.MouseButton.LeftButton)
    assert moons_window.document.project.training.lr == pytest.approx(float(f"{result.suggestion:.2g}"))
    assert moons_window.training_panel.settings_form.spec().lr == pytest.approx(moons_window.document.project.training.lr)


def test_sweep_fills_table_highlights_best_and_cancels(qtbot, moons_window):
    runs = moons_window.panel("runs")
    runs.pages.setCurrentIndex(3)
    runs.sweep_lrs.setText("0.001, 0.05")
    runs.sweep_layer.setCurrentIndex(1)  # layer 1: Linear
    runs.sweep_widths.setText("2, 8")
    runs.sweep_epochs.setValue(2)
    with qtbot.waitSignal(runs.task.completed, timeout=120_000):
        qtbot.mouseClick(runs.sweep_start, Qt.MouseButton.LeftButton)
    assert runs.table.rowCount() == 4
    best = runs.best_run
    assert best is not None and best.best_value() == min(r.best_value() for r in runs.store.runs)
    row = row_of(runs.table, best.id)
    assert runs.table.item(row, 0).text().startswith("★")
    assert runs.table.item(row, 0).background().color().name() == "#dcf3dc"
    assert sorted(tuple(r.hidden_widths()) for r in runs.store.runs) == [(2, 6), (2, 6), (8, 6), (8, 6)]
    assert "Best:" in runs.sweep_status.text()

    # Cancel after the first new trial arrives: the rest are not trained.
    runs.sweep_lrs.setText("0.001, 0.003, 0.01, 0.03, 0.1")
    runs.sweep_layer.setCurrentIndex(0)
    runs.sweep_epochs.setValue(30)
    with qtbot.waitSignal(runs.task.item, timeout=60_000):
        qtbot.mouseClick(runs.sweep_start, Qt.MouseButton.LeftButton)
    assert runs.sweep_cancel.isEnabled()
    with qtbot.waitSignal(runs.task.completed, timeout=60_000):
        qtbot.mouseClick(runs.sweep_cancel, Qt.MouseButton.LeftButton)
    assert 5 <= runs.table.rowCount() < 9
    assert not runs.task.running


def test_export_csv_and_tensorboard(qtbot, moons_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    runs = moons_window.panel("runs")
    train(qtbot, moons_window, epochs=2)
    select_rows(runs.table, [0])
    target = tmp_path / "history.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    qtbot.mouseClick(runs.csv_button, Qt.MouseButton.LeftButton)
    rows = list(csv.reader(target.open()))
    assert rows[0][0] == "epoch" and [r[0] for r in rows[1:]] == ["1", "2"]
    pytest.importorskip("tensorboard")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(tmp_path / "tb")))
    qtbot.mouseClick(runs.tb_button, Qt.MouseButton.LeftButton)
    written = list((tmp_path / "tb").glob("run-*/events.out.tfevents.*"))
    assert written


def test_inside_statistics_for_a_model_without_a_plane(qtbot, main_window):
    """The default digits project (64 inputs): no boundary, but gradients, histograms and dead ReLUs."""
    inside = main_window.panel("inside")
    main_window.tabs.setCurrentWidget(inside)
    assert inside.plane is None and inside.boundary_note.isVisible() and not inside.boundary.isVisible()
    train(qtbot, main_window, epochs=1)
    qtbot.waitUntil(lambda: inside.act_table.rowCount() == 1, timeout=60_000)
    assert inside.act_table.item(0, 3).text().endswith("%")  # the ReLU's dead fraction
    assert [inside.layer_choice.itemText(i) for i in range(inside.layer_choice.count())] == ["linear2", "linear4"]
    assert len(inside.grad_plot.curve_data("layer linear2")[0]) >= 1
    assert main_window.panel("runs").table.rowCount() == 1
