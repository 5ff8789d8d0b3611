"""The VAE's latent views in the window (Interpret > Latent space): the decoder grid shows exactly the
decoder's outputs at the grid's latent points, the codes are coloured by digit, Sample and Interpolate
fill the strip, and the 2-D toy shows the density of the decoder's samples over the data plane."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPointF, Qt

from nnstudio.core.arch.layers_vae import split_vae
from nnstudio.core.interpret.vae_views import grid_points
from nnstudio.core.project.templates import TEMPLATES
from nnstudio.core.workspace.session import train_project
from nnstudio.gui.palette import color
from nnstudio.gui.panels.interpret.vae_view import GAP, GRID, SPAN, STRIP, mosaic


def _open(window, qtbot, name: str, epochs: int):
    project = TEMPLATES[name].project()
    train_project(project, epochs=epochs)
    window.document.replace(project)
    panel = window.interpret_panel
    window.tabs.setCurrentWidget(panel)
    qtbot.waitUntil(lambda: panel.isVisible() and not panel.watch.stale)
    panel.modes.setCurrentWidget(panel.latent_view)
    qtbot.waitUntil(panel.latent_view.isVisible)
    pane = panel.latent_view.vae
    qtbot.waitUntil(pane.isVisible)
    return panel, pane


@pytest.fixture
def window(main_window):
    yield main_window
    main_window.interpret_panel.shutdown()


def test_the_decoder_grid_shows_the_decoders_outputs_at_the_grid_points(window, qtbot):
    panel, pane = _open(window, qtbot, "vae_digits", 2)
    assert not panel.latent_view.generic.isVisible()  # the VAE's own plane replaces the generic map
    qtbot.mouseClick(pane.grid_button, Qt.MouseButton.LeftButton)
    _, decoder = split_vae(pane.model)
    z = grid_points(GRID, SPAN)
    with torch.no_grad():
        expected = decoder.eval()(torch.as_tensor(z)).numpy().reshape(GRID * GRID, 8, 8)
    np.testing.assert_allclose(pane.grid_images, expected, atol=1e-6)
    # the tile at the top-left is the point (-SPAN, +SPAN); the picture shown is the mosaic, row 0 at the bottom
    assert tuple(z[0]) == (-SPAN, SPAN) and tuple(z[-1]) == (SPAN, -SPAN)
    step = 8 + GAP
    np.testing.assert_allclose(mosaic(expected, GRID)[:8, step : step + 8], expected[1])  # tile (row 0, column 1)
    np.testing.assert_allclose(mosaic(expected, GRID)[step : step + 8, :8], expected[GRID])  # tile (row 1, column 0)
    np.testing.assert_allclose(mosaic(expected, GRID)[-8:, -8:], expected[-1])
    np.testing.assert_allclose(pane.image.image, mosaic(expected, GRID)[::-1], atol=1e-6)
    rect = pane.image.mapRectToParent(pane.image.boundingRect())
    assert (rect.left(), rect.top(), rect.width()) == pytest.approx((-SPAN, -SPAN, 2 * SPAN))
    # codes coloured by the digit each test image shows
    classes = pane.source.bundle.meta["split_classes"]["test"]
    brushes = [s.brush().color().name() for s in pane.codes.points()[:20]]
    assert brushes == [color(int(c)).lower() for c in classes[:20]]
    assert len(set(classes[:20])) > 3
    # Sample: new digits in the strip; Interpolate: A, six steps, B
    qtbot.mouseClick(pane.sample_button, Qt.MouseButton.LeftButton)
    assert len(pane.strip.captions) == STRIP
    qtbot.mouseClick(pane.interpolate_button, Qt.MouseButton.LeftButton)
    assert pane.status.text() == "Click two dots in the codes plot first (A, then B)."
    a, b = int(np.argmin(pane.z[:, 0])), int(np.argmax(pane.z[:, 0]))  # the leftmost and rightmost codes
    for i in (a, b):  # click each dot where the plot draws it
        scene = pane.codes_plot.plotItem.vb.mapViewToScene(QPointF(*map(float, pane.z[i])))
        qtbot.mouseClick(pane.codes_plot.viewport(), Qt.MouseButton.LeftButton, pos=pane.codes_plot.mapFromScene(scene))
    assert pane.picked == [a, b]
    qtbot.mouseClick(pane.interpolate_button, Qt.MouseButton.LeftButton)
    assert pane.strip.captions[0] == "A" and pane.strip.captions[-1] == "B" and len(pane.strip.captions) == STRIP
    assert f"from test example {a}'s code (A) to example {b}'s (B)" in pane.status.text()
    path_x, path_y = pane.path.getData()
    assert (path_x[0], path_y[0]) == pytest.approx(tuple(pane.z[a]), abs=1e-5)
    assert (path_x[-1], path_y[-1]) == pytest.approx(tuple(pane.z[b]), abs=1e-5)


def test_the_moons_vae_shows_its_output_density_over_the_plane(window, qtbot):
    _, pane = _open(window, qtbot, "vae_moons", 3)
    density = pane.image.image
    assert density.shape == (60, 60) and density.sum() == pytest.approx(1.0)
    assert "Density of the decoder's samples" in pane.output_plot.plotItem.titleLabel.text
    qtbot.mouseClick(pane.sample_button, Qt.MouseButton.LeftButton)
    assert len(pane.drawn.data) == 200


def test_training_a_vae_in_the_window_plots_its_reconstruction_and_kl(window, qtbot):
    project = TEMPLATES["vae_moons"].project()
    project.training.epochs = 3
    window.document.replace(project)
    training = window.training_panel
    window.tabs.setCurrentWidget(training)
    with qtbot.waitSignal(training.run_finished, timeout=120_000) as blocker:
        qtbot.mouseClick(training.train_button, Qt.MouseButton.LeftButton)
    history = blocker.args[0].result.history
    names = training.loss_plot.curve_names()
    for name, key in (("train reconstruction", "train_recon"), ("train KL", "train_kl"),
                      ("validation reconstruction", "val_recon"), ("validation KL", "val_kl")):
        assert name in names
        xs, ys = training.loss_plot.curve_data(name)
        assert list(xs) == [1.0, 2.0, 3.0] and list(ys) == pytest.approx(history[key]), name
