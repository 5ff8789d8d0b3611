"""Inside tab, neuron maps: a grid of big per-neuron maps that fills its space,
redrawn with every boundary frame, each map the neuron's own output over the plane, hover enlarging one
with its incoming weights; and a status and note that say what the data really is."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from helpers_clock import FakeClock
from PySide6.QtCore import Qt

from nnstudio.core.arch.spec import ArchitectureSpec, layer
from nnstudio.core.data.spec import DataSpec, StepSpec
from nnstudio.core.insight.grid import grid_points
from nnstudio.core.insight.live import NEURON_RESOLUTION, BoundaryCallback
from nnstudio.core.project.spec import Project
from nnstudio.core.training.config import TrainSpec
from nnstudio.gui.widgets.neuron_maps import map_colours

UNITS = 16


def moons16(epochs: int = 6) -> Project:
    project = Project(
        name="moons16",
        architecture=ArchitectureSpec([layer("linear", in_features=0, out_features=UNITS), layer("tanh"),
                                       layer("linear", in_features=0, out_features=2)], name="16 neurons"),
        data=DataSpec("moons", {"n_samples": 200, "noise": 0.2}, [StepSpec("standardize")]),
        training=TrainSpec(lr=0.05, batch_size=16, epochs=epochs, device="cpu"),
    )
    return Project.from_dict(project.to_dict())


def expected_maps(window) -> np.ndarray:
    """The first hidden layer's outputs over the Inside tab's plane, straight from the model: (units, res, res)."""
    doc, inside = window.document, window.inside_panel
    model, bundle = doc.trained_model(), doc.bundle()
    _, _, points = grid_points(inside.plane, NEURON_RESOLUTION)
    x = torch.as_tensor(bundle.pipeline.transform(points.astype(np.float32)), dtype=torch.float32)
    with torch.no_grad():
        out = torch.tanh(model[0](x)).numpy()
    return out.T.reshape(UNITS, NEURON_RESOLUTION, NEURON_RESOLUTION)


@pytest.fixture
def trained(qtbot, main_window, monkeypatch):
    """A 6-epoch moons run watched on the Inside tab at 1600x1000; the maps of every frame drawn mid-run."""
    window = main_window
    # A clock that moves a second at every read: the boundary's time budget never holds a frame back.
    monkeypatch.setattr("nnstudio.gui.panels.inside.BoundaryCallback",
                        lambda plane, sink, **kw: BoundaryCallback(plane, sink, clock=FakeClock(wall_step=1.0), **kw))
    window.resize(1600, 1000)
    window.document.replace(moons16())
    window.show_tab("inside")
    inside = window.inside_panel
    inside.every.setValue(2)
    maps = inside.neuron_maps
    mid_run: list[np.ndarray] = []
    grids_drawn: list[bool] = []
    show_layers, show_grid = maps.show_layers, inside.boundary.show_grid

    def recording_layers(layers):
        show_layers(layers)
        if window.ctx.training_active and layers:
            mid_run.append(np.stack([t.values for t in maps.tiles[0]]))

    def recording_grid(grid):
        show_grid(grid)
        if window.ctx.training_active:
            grids_drawn.append(True)

    monkeypatch.setattr(maps, "show_layers", recording_layers)
    monkeypatch.setattr(inside.boundary, "show_grid", recording_grid)
    panel = window.training_panel
    panel.speed.setValue(3)  # 30 ms per batch: the tab draws several frames during the run
    with qtbot.waitSignal(panel.run_finished, timeout=60_000):
        qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.ctx.training_active, timeout=60_000)  # the run's thread has ended
    return window, mid_run, grids_drawn


def test_maps_fill_the_space_match_the_model_and_change_during_the_run(trained, qtbot):
    window, mid_run, grids_drawn = trained
    inside = window.inside_panel
    maps = inside.neuron_maps
    assert [len(row) for row in inside.tiles] == [UNITS]
    tiles = inside.tiles[0]
    grid = maps.current_grid()
    for tile in tiles:  # all 16 on screen at once, no scrolling, each at least 96 px square
        assert tile.isVisible() and tile.width() >= 96 and tile.height() == tile.width()
        assert grid.rect().contains(tile.geometry())
    assert maps.heading.text().startswith("<b>Hidden neurons</b> — 16 neurons")

    # Each map is its neuron's output over the plane, and its pixels those outputs through the colour map.
    expected = expected_maps(window)
    scale = float(np.abs(expected).max())
    for unit, tile in enumerate(tiles):
        np.testing.assert_allclose(tile.values, expected[unit], atol=2e-5)
        colours = map_colours(expected[unit], scale)
        assert np.abs(tile.colours.astype(int) - colours).max() <= 1
        image = tile._image  # the plane's bottom row is the image's last row
        for i, j in ((0, 0), (NEURON_RESOLUTION - 1, 5), (17, 30)):
            c = image.pixelColor(j, NEURON_RESOLUTION - 1 - i)
            assert (c.red(), c.green(), c.blue()) == tuple(int(v) for v in tile.colours[i, j])

    # Every frame the tab drew mid-run reached the maps, and the maps moved on from there to the end.
    assert len(mid_run) >= 1 and len(mid_run) == len(grids_drawn)
    final = np.stack([t.values for t in tiles])
    assert np.abs(mid_run[0] - final).max() > 0.05

    # Hovering a map enlarges it beside the grid with the neuron's bias and incoming weights.
    model = window.document.trained_model()
    qtbot.mouseMove(tiles[5])
    qtbot.waitUntil(lambda: maps.detail.unit == 5, timeout=5_000)
    detail = maps.detail
    np.testing.assert_allclose(detail.weights, model[0].weight[5].detach().numpy(), rtol=0, atol=1e-7)
    assert detail.bias == pytest.approx(float(model[0].bias[5].detach()), abs=1e-7)
    rows = detail.bars.rows
    assert [name for name, _ in rows] == ["bias", "from x1", "from x2"]
    np.testing.assert_allclose([v for _, v in rows[1:]], model[0].weight[5].detach().numpy(), atol=1e-7)
    assert detail.isVisible() and detail.big.width() >= 2 * tiles[5].width() - 40
    np.testing.assert_array_equal(detail.big.values, tiles[5].values)
    assert tiles[5].selected and not tiles[0].selected
    assert "Neuron 6" in detail.title.text()

    # Item 7: the status says what the tab shows, the note (for data without a plane) is hidden and empty.
    assert inside.status.text().startswith("Showing the trained network over the plane of x1 and x2")
    assert not inside.boundary_note.isVisible() and inside.boundary_note.text() == ""

    # Screenshots for the issue (looked at by hand): the end of the run at both classroom sizes.
    for size in ((1600, 1000), (1280, 720)):
        window.resize(*size)
        qtbot.wait(50)
        assert min(t.width() for t in tiles) >= (96 if size[0] == 1600 else 64)


def test_note_and_status_say_what_the_data_is(qtbot, main_window):
    """Digits (8x8 images) has no plane and the note says so with its shape; a moons project replacing it
    leaves no stale 'needs exactly two input columns' behind; while data loads, the note says it is loading."""
    window = main_window
    window.show_tab("inside")
    inside = window.inside_panel
    assert inside.plane is None and inside.boundary_note.isVisible()
    assert "this data has examples of shape 1 x 8 x 8" in inside.boundary_note.text()

    window.document.replace(moons16())
    assert inside.plane is not None and not inside.boundary_note.isVisible()
    assert "two input columns" not in inside.boundary_note.text()
    assert inside.status.text().startswith("Showing the untrained network over the plane of x1 and x2")
    assert [len(row) for row in inside.tiles] == [UNITS]

    window.document.defer_data()  # as at start-up, before the first paint
    inside.refresh_plane()
    assert inside.boundary_note.text() == ("The data is still loading; the boundary and neuron views appear "
                                           "when it is ready.")
    window.document.load_deferred_data()
    assert inside.plane is not None and not inside.boundary_note.isVisible()
